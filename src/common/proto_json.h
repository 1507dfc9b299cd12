#pragma once

#include <google/protobuf/message.h>

#include <nlohmann/json.hpp>
#include <string>

#include "common/error.h"

namespace openlabs {

// Converts a protobuf message to JSON with the proto field names (snake_case). Unlike the
// protobuf JSON mapping, 64-bit integers stay numbers, because clients use ids as numbers.
// Fields with presence (messages, `optional` scalars, oneof members) appear only when set. The
// ones with the option json_null_when_unset appear as null when unset. Other scalars always
// appear. Repeated fields appear as arrays, except empty ones with the option json_omit_empty.
// Enums become their value names.
nlohmann::json ProtoToJson(const google::protobuf::Message& message);

// The same bytes as ProtoToJson(message).dump(-1, ' ', false, error_handler_t::replace), written
// without building the nlohmann::json value (see proto_json_writer.cc), for response bodies.
std::string ProtoToJsonText(const google::protobuf::Message& message);

// The kValidationFailed error for a well-formed JSON body that is not an object.
Error NotJsonObject();

// Fills `message` from a JSON object. Unknown fields are ignored; `null` leaves a field unset.
// JSON that is not an object, or a field of the wrong type, is kValidationFailed with one detail
// per bad field (the body is well-formed JSON, so the fault is in its values).
Status JsonToProto(const nlohmann::json& json, google::protobuf::Message& message);

}  // namespace openlabs
