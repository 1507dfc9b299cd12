#pragma once

#include <google/protobuf/message.h>

#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>

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

// The handling by JsonToProto of a key that names no field of the message.
enum class UnknownFields {
  kReject,  // one kValidationFailed detail per unknown key, for request bodies
  kIgnore,  // skip the key, for JSON that the server stored itself and may have more keys
};

// Fills `message` from a JSON object; `null` leaves a field unset. JSON that is not an object,
// a field of the wrong type or (with kReject) a key that names no field is kValidationFailed with
// one detail per bad field. A detail names a nested field by its path, as "settings.foo" or
// "cells[2].code". Every field that converts is set even when the status is an error.
Status JsonToProto(const nlohmann::json& json, google::protobuf::Message& message,
                   UnknownFields unknown_fields = UnknownFields::kReject);

// Checks the keys of a JSON object that no protobuf message describes against `fields`, the
// paths that the reader accepts: "scope" for a key, "scope.lab_id" for a key of the object in
// "scope". Only objects whose path has accepted keys below it are checked inside. Each other key
// is a kValidationFailed detail named by its path, with the same wording as JsonToProto's.
Status CheckJsonFields(const nlohmann::json& object, std::span<const std::string_view> fields);

}  // namespace openlabs
