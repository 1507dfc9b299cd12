#include "common/proto_json.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

#include <algorithm>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "openlabs/v1/json_options.pb.h"

namespace openlabs {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

nlohmann::json ScalarToJson(const Message& message, const FieldDescriptor* field, int index) {
  const Reflection* reflection = message.GetReflection();
  const bool repeated = field->is_repeated();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return repeated ? reflection->GetRepeatedInt32(message, field, index)
                      : reflection->GetInt32(message, field);
    case FieldDescriptor::CPPTYPE_INT64:
      return repeated ? reflection->GetRepeatedInt64(message, field, index)
                      : reflection->GetInt64(message, field);
    case FieldDescriptor::CPPTYPE_UINT32:
      return repeated ? reflection->GetRepeatedUInt32(message, field, index)
                      : reflection->GetUInt32(message, field);
    case FieldDescriptor::CPPTYPE_UINT64:
      return repeated ? reflection->GetRepeatedUInt64(message, field, index)
                      : reflection->GetUInt64(message, field);
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return repeated ? reflection->GetRepeatedDouble(message, field, index)
                      : reflection->GetDouble(message, field);
    case FieldDescriptor::CPPTYPE_FLOAT:
      return repeated ? reflection->GetRepeatedFloat(message, field, index)
                      : reflection->GetFloat(message, field);
    case FieldDescriptor::CPPTYPE_BOOL:
      return repeated ? reflection->GetRepeatedBool(message, field, index)
                      : reflection->GetBool(message, field);
    case FieldDescriptor::CPPTYPE_ENUM:
      return repeated ? reflection->GetRepeatedEnum(message, field, index)->name()
                      : reflection->GetEnum(message, field)->name();
    case FieldDescriptor::CPPTYPE_STRING:
      return repeated ? reflection->GetRepeatedString(message, field, index)
                      : reflection->GetString(message, field);
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return ProtoToJson(repeated ? reflection->GetRepeatedMessage(message, field, index)
                                  : reflection->GetMessage(message, field));
  }
  return nullptr;
}

// Stores one JSON value into a singular or repeated field; returns false on a type mismatch.
bool SetScalar(const nlohmann::json& value, Message& message, const FieldDescriptor* field,
               UnknownFields unknown_fields, std::vector<FieldViolation>& problems,
               const std::string& path) {
  const Reflection* reflection = message.GetReflection();
  const bool repeated = field->is_repeated();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64: {
      if (!value.is_number_integer()) {
        return false;
      }
      const bool is_unsigned = field->cpp_type() == FieldDescriptor::CPPTYPE_UINT32 ||
                               field->cpp_type() == FieldDescriptor::CPPTYPE_UINT64;
      if (is_unsigned && value.is_number_integer() && !value.is_number_unsigned() &&
          value.get<int64_t>() < 0) {
        return false;
      }
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_INT32) {
        const int64_t number = value.get<int64_t>();
        if (number < std::numeric_limits<int32_t>::min() ||
            number > std::numeric_limits<int32_t>::max()) {
          return false;
        }
        repeated ? reflection->AddInt32(&message, field, static_cast<int32_t>(number))
                 : reflection->SetInt32(&message, field, static_cast<int32_t>(number));
      } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_INT64) {
        if (value.is_number_unsigned() &&
            value.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
          return false;
        }
        repeated ? reflection->AddInt64(&message, field, value.get<int64_t>())
                 : reflection->SetInt64(&message, field, value.get<int64_t>());
      } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_UINT32) {
        const uint64_t number = value.get<uint64_t>();
        if (number > std::numeric_limits<uint32_t>::max()) {
          return false;
        }
        repeated ? reflection->AddUInt32(&message, field, static_cast<uint32_t>(number))
                 : reflection->SetUInt32(&message, field, static_cast<uint32_t>(number));
      } else {
        repeated ? reflection->AddUInt64(&message, field, value.get<uint64_t>())
                 : reflection->SetUInt64(&message, field, value.get<uint64_t>());
      }
      return true;
    }
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT:
      if (!value.is_number()) {
        return false;
      }
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE) {
        repeated ? reflection->AddDouble(&message, field, value.get<double>())
                 : reflection->SetDouble(&message, field, value.get<double>());
      } else {
        repeated ? reflection->AddFloat(&message, field, value.get<float>())
                 : reflection->SetFloat(&message, field, value.get<float>());
      }
      return true;
    case FieldDescriptor::CPPTYPE_BOOL:
      if (!value.is_boolean()) {
        return false;
      }
      repeated ? reflection->AddBool(&message, field, value.get<bool>())
               : reflection->SetBool(&message, field, value.get<bool>());
      return true;
    case FieldDescriptor::CPPTYPE_ENUM: {
      if (!value.is_string()) {
        return false;
      }
      const auto* enum_value = field->enum_type()->FindValueByName(value.get<std::string>());
      if (enum_value == nullptr) {
        return false;
      }
      repeated ? reflection->AddEnum(&message, field, enum_value)
               : reflection->SetEnum(&message, field, enum_value);
      return true;
    }
    case FieldDescriptor::CPPTYPE_STRING:
      if (!value.is_string()) {
        return false;
      }
      repeated ? reflection->AddString(&message, field, value.get<std::string>())
               : reflection->SetString(&message, field, value.get<std::string>());
      return true;
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      if (!value.is_object()) {
        return false;
      }
      Message* child = repeated ? reflection->AddMessage(&message, field)
                                : reflection->MutableMessage(&message, field);
      Status nested = JsonToProto(value, *child, unknown_fields);
      if (!nested) {
        for (const FieldViolation& violation : nested.error().details) {
          problems.push_back({path + "." + violation.field, violation.message});
        }
      }
      return true;
    }
  }
  return false;
}

constexpr std::string_view kUnknownFieldsMessage =
    "The request body has fields that this route does not accept.";
constexpr std::string_view kNotAField = "is not a field of this object; it accepts ";

// The detail for a key that names no accepted field; `accepted` lists the names that would be.
FieldViolation UnknownField(std::string path, const std::vector<std::string>& accepted) {
  std::string message(kNotAField);
  for (size_t i = 0; i < accepted.size(); ++i) {
    message += (i == 0 ? "" : ", ") + accepted[i];
  }
  if (accepted.empty()) {
    message += "none";
  }
  return {std::move(path), std::move(message)};
}

// The error message for the details of JsonToProto, which mix unknown keys and wrong types.
std::string ProblemsMessage(const std::vector<FieldViolation>& problems) {
  const auto unknown = std::count_if(problems.begin(), problems.end(), [](const auto& problem) {
    return problem.message.starts_with(kNotAField);
  });
  if (unknown == 0) {
    return "The request body has fields of the wrong type.";
  }
  if (static_cast<size_t>(unknown) == problems.size()) {
    return std::string(kUnknownFieldsMessage);
  }
  return "The request body has fields that this route does not accept and fields of the wrong "
         "type.";
}

std::vector<std::string> FieldNames(const google::protobuf::Descriptor* descriptor) {
  std::vector<std::string> names;
  for (int i = 0; i < descriptor->field_count(); ++i) {
    names.push_back(descriptor->field(i)->name());
  }
  return names;
}

// The names of the accepted paths directly below `prefix` ("" for the top level).
std::vector<std::string> ChildNames(std::span<const std::string_view> fields,
                                    std::string_view prefix) {
  const std::string start = prefix.empty() ? "" : std::string(prefix) + ".";
  std::vector<std::string> names;
  for (const std::string_view field : fields) {
    if (!field.starts_with(start)) {
      continue;
    }
    const std::string_view rest = field.substr(start.size());
    if (!rest.empty() && rest.find('.') == std::string_view::npos) {
      names.emplace_back(rest);
    }
  }
  return names;
}

void CollectUnknownKeys(const nlohmann::json& object, std::span<const std::string_view> fields,
                        const std::string& prefix, std::vector<FieldViolation>& problems) {
  const std::vector<std::string> accepted = ChildNames(fields, prefix);
  for (const auto& [key, value] : object.items()) {
    const std::string path = prefix.empty() ? key : prefix + "." + key;
    if (std::find(accepted.begin(), accepted.end(), key) == accepted.end()) {
      problems.push_back(UnknownField(path, accepted));
      continue;
    }
    if (value.is_object() && !ChildNames(fields, path).empty()) {
      CollectUnknownKeys(value, fields, path, problems);
    }
  }
}

const char* ExpectedType(const FieldDescriptor* field) {
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64:
      return "an integer in range";
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT:
      return "a number";
    case FieldDescriptor::CPPTYPE_BOOL:
      return "true or false";
    case FieldDescriptor::CPPTYPE_ENUM:
      return "one of the allowed names";
    case FieldDescriptor::CPPTYPE_STRING:
      return "a string";
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return "an object";
  }
  return "valid";
}

}  // namespace

nlohmann::json ProtoToJson(const Message& message) {
  nlohmann::json json = nlohmann::json::object();
  const auto* descriptor = message.GetDescriptor();
  const Reflection* reflection = message.GetReflection();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    if (field->is_repeated()) {
      const int size = reflection->FieldSize(message, field);
      if (size == 0 && field->options().GetExtension(v1::json_omit_empty)) {
        continue;
      }
      nlohmann::json items = nlohmann::json::array();
      for (int index = 0; index < size; ++index) {
        items.push_back(ScalarToJson(message, field, index));
      }
      json[field->name()] = std::move(items);
      continue;
    }
    if (field->has_presence() && !reflection->HasField(message, field)) {
      if (field->options().GetExtension(v1::json_null_when_unset)) {
        json[field->name()] = nullptr;
      }
      continue;
    }
    json[field->name()] = ScalarToJson(message, field, 0);
  }
  return json;
}

Error NotJsonObject() {
  return {ErrorCode::kValidationFailed,
          "The request body must be a JSON object.",
          {{"body", "must be a JSON object"}}};
}

Status JsonToProto(const nlohmann::json& json, Message& message, UnknownFields unknown_fields) {
  if (!json.is_object()) {
    return Fail(NotJsonObject());
  }
  std::vector<FieldViolation> problems;
  const auto* descriptor = message.GetDescriptor();
  for (const auto& [name, value] : json.items()) {
    const FieldDescriptor* field = descriptor->FindFieldByName(name);
    if (field == nullptr) {
      if (unknown_fields == UnknownFields::kReject) {
        problems.push_back(UnknownField(name, FieldNames(descriptor)));
      }
      continue;
    }
    if (value.is_null()) {
      continue;
    }
    const std::string type_message = std::string("must be ") + ExpectedType(field);
    if (field->is_repeated()) {
      if (!value.is_array()) {
        problems.push_back({name, "must be an array"});
        continue;
      }
      for (size_t index = 0; index < value.size(); ++index) {
        const std::string path = name + "[" + std::to_string(index) + "]";
        if (!SetScalar(value[index], message, field, unknown_fields, problems, path)) {
          problems.push_back({path, type_message});
        }
      }
      continue;
    }
    if (!SetScalar(value, message, field, unknown_fields, problems, name)) {
      problems.push_back({name, type_message});
    }
  }
  if (problems.empty()) {
    return {};
  }
  std::string summary = ProblemsMessage(problems);
  return Fail({ErrorCode::kValidationFailed, std::move(summary), std::move(problems)});
}

Status CheckJsonFields(const nlohmann::json& object, std::span<const std::string_view> fields) {
  if (!object.is_object()) {
    return Fail(NotJsonObject());
  }
  std::vector<FieldViolation> problems;
  CollectUnknownKeys(object, fields, "", problems);
  if (problems.empty()) {
    return {};
  }
  return Fail(
      {ErrorCode::kValidationFailed, std::string(kUnknownFieldsMessage), std::move(problems)});
}

}  // namespace openlabs
