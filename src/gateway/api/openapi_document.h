#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <string_view>

#include "common/error.h"

namespace openlabs::gateway {

// A file compiled into the binary: its name without folders, and its bytes.
struct EmbeddedFile {
  std::string_view name;
  std::string_view bytes;
};

// The sources of the OpenAPI document, embedded at build time (see embed_files.cmake): every
// YAML file of src/gateway/api/openapi/ and "openlabs_v1.desc", the FileDescriptorSet of the
// protobuf contracts with their comments.
std::span<const EmbeddedFile> OpenApiSourceFiles();

// Builds the OpenAPI 3.0 document of the HTTP API. "openapi.yaml" gives the top-level fields
// and shared components; every other YAML file adds paths, tags and components. A schema that
// a "$ref": "#/components/schemas/NAME" names but no YAML file defines is generated from the
// protobuf message openlabs.v1.NAME: its fields as ProtoToJson writes them, described by the
// comments in the .proto file. Returns kInternal on invalid YAML, on a path and method or a
// component defined twice, and on a reference that resolves to nothing.
Result<nlohmann::json> BuildOpenApiDocument(std::span<const EmbeddedFile> sources);

}  // namespace openlabs::gateway
