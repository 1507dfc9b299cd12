#include "gateway/api/openapi_document.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <deque>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "openlabs/v1/json_options.pb.h"

namespace openlabs::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::FieldDescriptor;

constexpr std::string_view kRootFile = "openapi.yaml";
constexpr std::string_view kDescriptorFile = "openlabs_v1.desc";
constexpr std::string_view kProtoPackage = "openlabs.v1.";
constexpr std::string_view kSchemaPrefix = "#/components/schemas/";

// An error whose internal detail names the file or entry to fix.
Error DocumentError(std::string detail) {
  return Error::Internal("The OpenAPI document is invalid: " + detail);
}

// A plain (unquoted) YAML scalar as the YAML 1.2 core schema types it: null, a boolean, an
// integer, a number, or else a string. Quoted scalars are always strings.
nlohmann::json ScalarToJson(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") {
    return text;
  }
  if (text == "null" || text == "~") {
    return nullptr;
  }
  if (text == "true" || text == "false") {
    return text == "true";
  }
  const char* end = text.data() + text.size();
  int64_t integer = 0;
  if (auto [last, error] = std::from_chars(text.data(), end, integer);
      !text.empty() && error == std::errc() && last == end) {
    return integer;
  }
  double number = 0;
  if (auto [last, error] = std::from_chars(text.data(), end, number);
      !text.empty() && error == std::errc() && last == end) {
    return number;
  }
  return text;
}

nlohmann::json YamlToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar:
      return ScalarToJson(node);
    case YAML::NodeType::Sequence: {
      nlohmann::json items = nlohmann::json::array();
      for (const YAML::Node& item : node) {
        items.push_back(YamlToJson(item));
      }
      return items;
    }
    case YAML::NodeType::Map: {
      nlohmann::json object = nlohmann::json::object();
      for (const auto& entry : node) {
        object[entry.first.as<std::string>()] = YamlToJson(entry.second);
      }
      return object;
    }
  }
  return nullptr;
}

Result<nlohmann::json> ParseYaml(const EmbeddedFile& file) {
  try {
    nlohmann::json json = YamlToJson(YAML::Load(std::string(file.bytes)));
    if (!json.is_object()) {
      return Fail(DocumentError(std::string(file.name) + ": the top level must be a mapping"));
    }
    return json;
  } catch (const YAML::Exception& error) {
    return Fail(DocumentError(std::string(file.name) + ": " + error.what()));
  }
}

// Adds the paths, tags and components of `part` to `document`. A path may appear in several
// files with different methods, but one method of one path only once.
Status MergePart(std::string_view file_name, const nlohmann::json& part, nlohmann::json& document) {
  for (const auto& [key, value] : part.items()) {
    if (key != "paths" && key != "components" && key != "tags") {
      return Fail(DocumentError(std::string(file_name) + ": the top-level key \"" + key +
                                "\" is allowed only in openapi.yaml; use paths, tags or "
                                "components"));
    }
  }
  // value() returns a copy, so each is kept in a local while items() iterates over it.
  const nlohmann::json paths = part.value("paths", nlohmann::json::object());
  const nlohmann::json tags = part.value("tags", nlohmann::json::array());
  const nlohmann::json components = part.value("components", nlohmann::json::object());
  for (const auto& [path, operations] : paths.items()) {
    nlohmann::json& target = document["paths"][path];
    for (const auto& [method, operation] : operations.items()) {
      if (target.contains(method)) {
        return Fail(DocumentError(std::string(file_name) + ": " + method + " " + path +
                                  " is already described in another file"));
      }
      target[method] = operation;
    }
  }
  for (const nlohmann::json& tag : tags) {
    document["tags"].push_back(tag);
  }
  for (const auto& [kind, entries] : components.items()) {
    nlohmann::json& target = document["components"][kind];
    for (const auto& [name, value] : entries.items()) {
      if (target.contains(name)) {
        return Fail(DocumentError(std::string(file_name) + ": components/" + kind + "/" + name +
                                  " is already defined in another file"));
      }
      target[name] = value;
    }
  }
  return {};
}

// Calls `visit` with every "$ref" string in `json`.
void ForEachReference(const nlohmann::json& json,
                      const std::function<void(const std::string&)>& visit) {
  if (json.is_object()) {
    for (const auto& [key, value] : json.items()) {
      if (key == "$ref" && value.is_string()) {
        visit(value.get<std::string>());
      } else {
        ForEachReference(value, visit);
      }
    }
  } else if (json.is_array()) {
    for (const nlohmann::json& item : json) {
      ForEachReference(item, visit);
    }
  }
}

// The text of a .proto comment: lines without the leading space that follows "//", trimmed.
std::string CommentText(const std::string& leading, const std::string& trailing) {
  std::string text;
  for (const std::string* comment : {&leading, &trailing}) {
    size_t start = 0;
    while (start < comment->size()) {
      size_t end = comment->find('\n', start);
      if (end == std::string::npos) {
        end = comment->size();
      }
      std::string_view line(comment->data() + start, end - start);
      if (line.starts_with(' ')) {
        line.remove_prefix(1);
      }
      while (!line.empty() && line.back() == ' ') {
        line.remove_suffix(1);
      }
      if (!text.empty()) {
        text += '\n';
      }
      text += line;
      start = end + 1;
    }
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

template <typename DescriptorType>
std::string DescriptionOf(const DescriptorType& descriptor) {
  google::protobuf::SourceLocation location;
  if (!descriptor.GetSourceLocation(&location)) {
    return {};
  }
  return CommentText(location.leading_comments, location.trailing_comments);
}

// The schema of one value of `field`, ignoring whether the field is repeated. Message types
// become references, which `pending` collects so that their schemas are generated too.
nlohmann::json ValueSchema(const FieldDescriptor& field, std::deque<std::string>& pending) {
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_UINT32:
      return {{"type", "integer"}, {"format", "int32"}};
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_UINT64:
      return {{"type", "integer"}, {"format", "int64"}};
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return {{"type", "number"}, {"format", "double"}};
    case FieldDescriptor::CPPTYPE_FLOAT:
      return {{"type", "number"}, {"format", "float"}};
    case FieldDescriptor::CPPTYPE_BOOL:
      return {{"type", "boolean"}};
    case FieldDescriptor::CPPTYPE_STRING:
      return {{"type", "string"}};
    case FieldDescriptor::CPPTYPE_ENUM: {
      nlohmann::json names = nlohmann::json::array();
      for (int i = 0; i < field.enum_type()->value_count(); ++i) {
        names.push_back(field.enum_type()->value(i)->name());
      }
      return {{"type", "string"}, {"enum", std::move(names)}};
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      pending.push_back(field.message_type()->name());
      return {{"$ref", std::string(kSchemaPrefix) + field.message_type()->name()}};
  }
  return nlohmann::json::object();
}

// Whether ProtoToJson writes `field` in every response (see the options in json_options.proto).
bool AlwaysWritten(const FieldDescriptor& field) {
  const google::protobuf::FieldOptions& options = field.options();
  if (field.is_repeated()) {
    return !options.GetExtension(v1::json_omit_empty);
  }
  return !field.has_presence() || options.GetExtension(v1::json_null_when_unset);
}

// The JSON schema of a message as ProtoToJson writes it. Fields without presence and repeated
// fields always appear, so they are required. Messages, `optional` scalars and oneof members
// appear only when set, unless they are written as null when unset, which makes them required
// and nullable. Repeated fields with json_omit_empty are left out when empty.
nlohmann::json MessageSchema(const Descriptor& message, std::deque<std::string>& pending) {
  nlohmann::json properties = nlohmann::json::object();
  nlohmann::json required = nlohmann::json::array();
  for (int i = 0; i < message.field_count(); ++i) {
    const FieldDescriptor& field = *message.field(i);
    nlohmann::json schema = ValueSchema(field, pending);
    if (field.is_repeated()) {
      schema = {{"type", "array"}, {"items", std::move(schema)}};
    }
    const bool nullable =
        !field.is_repeated() && field.options().GetExtension(v1::json_null_when_unset);
    const std::string description = DescriptionOf(field);
    // OpenAPI 3.0 ignores the siblings of a "$ref", so a described or nullable reference is
    // wrapped.
    if ((!description.empty() || nullable) && schema.contains("$ref")) {
      schema = {{"allOf", nlohmann::json::array({std::move(schema)})}};
    }
    if (!description.empty()) {
      schema["description"] = description;
    }
    if (nullable) {
      schema["nullable"] = true;
    }
    properties[field.name()] = std::move(schema);
    if (AlwaysWritten(field)) {
      required.push_back(field.name());
    }
  }
  nlohmann::json schema = {{"type", "object"}, {"properties", std::move(properties)}};
  if (!required.empty()) {
    schema["required"] = std::move(required);
  }
  const std::string description = DescriptionOf(message);
  if (!description.empty()) {
    schema["description"] = description;
  }
  return schema;
}

// Loads the descriptor set, whose files come with their dependencies first (protoc
// --include_imports), into `pool`.
Status LoadDescriptors(std::string_view bytes, DescriptorPool& pool) {
  google::protobuf::FileDescriptorSet set;
  if (!set.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return Fail(DocumentError(std::string(kDescriptorFile) + " is not a FileDescriptorSet"));
  }
  for (const google::protobuf::FileDescriptorProto& file : set.file()) {
    if (pool.BuildFile(file) == nullptr) {
      return Fail(DocumentError("the descriptor of " + file.name() + " does not build"));
    }
  }
  return {};
}

// Generates the schema of every referenced message that the YAML files do not define.
Status AddMessageSchemas(const DescriptorPool& pool, nlohmann::json& document) {
  nlohmann::json& schemas = document["components"]["schemas"];
  if (schemas.is_null()) {
    schemas = nlohmann::json::object();
  }
  std::deque<std::string> pending;
  ForEachReference(document, [&](const std::string& reference) {
    if (reference.starts_with(kSchemaPrefix)) {
      pending.push_back(reference.substr(kSchemaPrefix.size()));
    }
  });
  while (!pending.empty()) {
    const std::string name = std::move(pending.front());
    pending.pop_front();
    if (schemas.contains(name)) {
      continue;
    }
    const Descriptor* message = pool.FindMessageTypeByName(std::string(kProtoPackage) + name);
    if (message == nullptr) {
      return Fail(DocumentError("\"" + std::string(kSchemaPrefix) + name +
                                "\" names neither a schema under components/schemas nor a "
                                "protobuf message openlabs.v1." +
                                name));
    }
    schemas[name] = MessageSchema(*message, pending);
  }
  return {};
}

// Checks that every local "$ref" points at an existing entry of the document.
Status CheckReferences(const nlohmann::json& document) {
  std::set<std::string> missing;
  ForEachReference(document, [&](const std::string& reference) {
    if (!reference.starts_with("#/")) {
      missing.insert(reference + " (only references inside the document are allowed)");
      return;
    }
    if (!document.contains(nlohmann::json::json_pointer(reference.substr(1)))) {
      missing.insert(reference);
    }
  });
  if (missing.empty()) {
    return {};
  }
  std::string list;
  for (const std::string& reference : missing) {
    list += (list.empty() ? "" : ", ") + reference;
  }
  return Fail(DocumentError("unresolved references: " + list));
}

}  // namespace

Result<nlohmann::json> BuildOpenApiDocument(std::span<const EmbeddedFile> sources) {
  const EmbeddedFile* root = nullptr;
  const EmbeddedFile* descriptors = nullptr;
  std::vector<const EmbeddedFile*> parts;
  for (const EmbeddedFile& file : sources) {
    if (file.name == kRootFile) {
      root = &file;
    } else if (file.name == kDescriptorFile) {
      descriptors = &file;
    } else if (file.name.ends_with(".yaml")) {
      parts.push_back(&file);
    }
  }
  if (root == nullptr || descriptors == nullptr) {
    return Fail(DocumentError("the embedded files lack openapi.yaml or openlabs_v1.desc"));
  }

  Result<nlohmann::json> document = ParseYaml(*root);
  if (!document) {
    return Fail(document.error());
  }
  std::sort(parts.begin(), parts.end(),
            [](const EmbeddedFile* a, const EmbeddedFile* b) { return a->name < b->name; });
  for (const EmbeddedFile* file : parts) {
    Result<nlohmann::json> part = ParseYaml(*file);
    if (!part) {
      return Fail(part.error());
    }
    if (Status merged = MergePart(file->name, *part, *document); !merged) {
      return Fail(merged.error());
    }
  }

  DescriptorPool pool;
  if (Status loaded = LoadDescriptors(descriptors->bytes, pool); !loaded) {
    return Fail(loaded.error());
  }
  if (Status added = AddMessageSchemas(pool, *document); !added) {
    return Fail(added.error());
  }
  if (Status checked = CheckReferences(*document); !checked) {
    return Fail(checked.error());
  }
  return document;
}

}  // namespace openlabs::gateway
