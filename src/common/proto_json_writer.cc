// ProtoToJsonText writes the JSON text of ProtoToJson(message).dump() with RapidJSON's Writer
// instead of building and dumping an nlohmann::json value. nlohmann/json escapes strings one byte
// at a time, which took about a fifth of the server's CPU time on GET /api/v1/labs/{id} with a
// 4 KiB Markdown body (perf record under wrk on a 2-core AMD EPYC). RapidJSON's Writer copies
// runs of bytes that need no escape 16 at a time with SSE2.

// x86-64 always has SSE2. RAPIDJSON_SSE2 must be defined before the first RapidJSON header.
#if defined(__SSE2__) && !defined(RAPIDJSON_SSE2)
#define RAPIDJSON_SSE2
#endif

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>
#include <rapidjson/encodings.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/proto_json.h"
#include "openlabs/v1/json_options.pb.h"

namespace openlabs {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// A RapidJSON input stream over a string that reads '\0' past its end, so that UTF8::Decode
// rejects a sequence cut off by the end instead of reading beyond it.
struct BoundedStream {
  using Ch = char;
  const char* position;
  const char* end;

  char Peek() const { return position < end ? *position : '\0'; }
  char Take() { return position < end ? *position++ : '\0'; }
  size_t Tell() const { return static_cast<size_t>(end - position); }
};

bool HasShortEscape(unsigned char c) {
  return c == '\b' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

// Whether RapidJSON writes `text` with the same bytes as nlohmann/json's dump: true when the text
// is valid UTF-8 and has no control character other than those with a short escape (\b \t \n \f
// \r). RapidJSON writes the other control characters as \u00XX with upper-case hex digits where
// nlohmann/json uses lower case, and copies invalid UTF-8 where nlohmann/json writes U+FFFD.
bool RapidJsonEscapesAlike(std::string_view text) {
  constexpr uint64_t kHighBits = 0x8080808080808080ULL;
  constexpr uint64_t kSpaces = 0x2020202020202020ULL;
  BoundedStream stream{text.data(), text.data() + text.size()};
  while (stream.position < stream.end) {
    // Eight bytes at a time while they are all printable ASCII (0x20 to 0x7f). A byte below 0x20
    // sets its own high bit in word - kSpaces; a borrow only reaches bytes above such a byte.
    if (stream.end - stream.position >= 8) {
      uint64_t word = 0;
      std::memcpy(&word, stream.position, sizeof(word));
      if ((((word - kSpaces) | word) & kHighBits) == 0) {
        stream.position += 8;
        continue;
      }
    }
    const auto c = static_cast<unsigned char>(*stream.position);
    if (c < 0x80) {
      if (c < 0x20 && !HasShortEscape(c)) {
        return false;
      }
      ++stream.position;
      continue;
    }
    unsigned code_point = 0;
    if (!rapidjson::UTF8<char>::Decode(stream, &code_point)) {
      return false;
    }
  }
  return true;
}

// The fields of a message type in the order of nlohmann::json's object keys (sorted by name),
// computed once per type and thread.
const std::vector<const FieldDescriptor*>& SortedFields(const Descriptor* descriptor) {
  thread_local std::unordered_map<const Descriptor*, std::vector<const FieldDescriptor*>> cache;
  auto [entry, inserted] = cache.try_emplace(descriptor);
  if (inserted) {
    for (int i = 0; i < descriptor->field_count(); ++i) {
      entry->second.push_back(descriptor->field(i));
    }
    std::sort(entry->second.begin(), entry->second.end(),
              [](const FieldDescriptor* a, const FieldDescriptor* b) { return a->name() < b->name(); });
  }
  return entry->second;
}

// Writes a value exactly as nlohmann/json dumps it, as raw JSON. Used for the rare strings that
// RapidJsonEscapesAlike rejects and for floating-point numbers, which the two libraries print
// differently (nlohmann/json 3.11 writes 1e+20 where RapidJSON 1.1 writes 100000000000000000000.0).
void WriteAsNlohmann(const nlohmann::json& value, JsonWriter& writer) {
  const std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  writer.RawValue(text.data(), text.size(), value.is_string() ? rapidjson::kStringType
                                                              : rapidjson::kNumberType);
}

void WriteString(std::string_view text, JsonWriter& writer) {
  if (RapidJsonEscapesAlike(text)) {
    writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  } else {
    WriteAsNlohmann(nlohmann::json(text), writer);
  }
}

void WriteMessage(const Message& message, JsonWriter& writer);

void WriteValue(const Message& message, const FieldDescriptor* field, int index,
                JsonWriter& writer) {
  const Reflection* reflection = message.GetReflection();
  const bool repeated = field->is_repeated();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      writer.Int(repeated ? reflection->GetRepeatedInt32(message, field, index)
                          : reflection->GetInt32(message, field));
      return;
    case FieldDescriptor::CPPTYPE_INT64:
      writer.Int64(repeated ? reflection->GetRepeatedInt64(message, field, index)
                            : reflection->GetInt64(message, field));
      return;
    case FieldDescriptor::CPPTYPE_UINT32:
      writer.Uint(repeated ? reflection->GetRepeatedUInt32(message, field, index)
                           : reflection->GetUInt32(message, field));
      return;
    case FieldDescriptor::CPPTYPE_UINT64:
      writer.Uint64(repeated ? reflection->GetRepeatedUInt64(message, field, index)
                             : reflection->GetUInt64(message, field));
      return;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      WriteAsNlohmann(repeated ? reflection->GetRepeatedDouble(message, field, index)
                               : reflection->GetDouble(message, field),
                      writer);
      return;
    case FieldDescriptor::CPPTYPE_FLOAT:
      WriteAsNlohmann(repeated ? reflection->GetRepeatedFloat(message, field, index)
                               : reflection->GetFloat(message, field),
                      writer);
      return;
    case FieldDescriptor::CPPTYPE_BOOL:
      writer.Bool(repeated ? reflection->GetRepeatedBool(message, field, index)
                           : reflection->GetBool(message, field));
      return;
    case FieldDescriptor::CPPTYPE_ENUM:
      WriteString(repeated ? reflection->GetRepeatedEnum(message, field, index)->name()
                           : reflection->GetEnum(message, field)->name(),
                  writer);
      return;
    case FieldDescriptor::CPPTYPE_STRING: {
      // GetStringReference avoids a copy when the field stores a std::string.
      std::string scratch;
      const std::string& text =
          repeated ? reflection->GetRepeatedStringReference(message, field, index, &scratch)
                   : reflection->GetStringReference(message, field, &scratch);
      WriteString(text, writer);
      return;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      WriteMessage(repeated ? reflection->GetRepeatedMessage(message, field, index)
                            : reflection->GetMessage(message, field),
                   writer);
      return;
  }
  writer.Null();
}

// Writes `message` as an object with the fields of ProtoToJson: repeated fields always (except
// empty ones with json_omit_empty), fields with presence only when set (or as null with
// json_null_when_unset).
void WriteMessage(const Message& message, JsonWriter& writer) {
  const Reflection* reflection = message.GetReflection();
  writer.StartObject();
  for (const FieldDescriptor* field : SortedFields(message.GetDescriptor())) {
    if (field->is_repeated()) {
      const int size = reflection->FieldSize(message, field);
      if (size == 0 && field->options().GetExtension(v1::json_omit_empty)) {
        continue;
      }
      WriteString(field->name(), writer);
      writer.StartArray();
      for (int index = 0; index < size; ++index) {
        WriteValue(message, field, index, writer);
      }
      writer.EndArray();
      continue;
    }
    if (field->has_presence() && !reflection->HasField(message, field)) {
      if (field->options().GetExtension(v1::json_null_when_unset)) {
        WriteString(field->name(), writer);
        writer.Null();
      }
      continue;
    }
    WriteString(field->name(), writer);
    WriteValue(message, field, 0, writer);
  }
  writer.EndObject();
}

}  // namespace

// NOTE: RapidJSON's Writer reserves six output bytes for each byte of a string, which is room for
// \u00XX escapes. So while a response is written, its buffer can take six times its largest
// string, about 6 MiB for a lab body at the 1 MiB limit.
std::string ProtoToJsonText(const Message& message) {
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  WriteMessage(message, writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace openlabs
