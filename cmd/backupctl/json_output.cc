// MessageToJson: protobuf's printer, then int64 strings -> numbers guided by the descriptor (so a
// string field that happens to hold digits is never converted).
#include "cmd/backupctl/json_output.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>

#include <string>

namespace bb::cli {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

Json Int64Value(const Json& value, bool is_unsigned) {
  if (!value.is_string()) return value;
  const std::string& s = value.get_ref<const std::string&>();
  try {
    if (is_unsigned) return Json(static_cast<uint64_t>(std::stoull(s)));
    return Json(static_cast<int64_t>(std::stoll(s)));
  } catch (const std::exception&) {
    return value;  // not a number (cannot happen for printer output): leave as is
  }
}

void FixInt64(const Descriptor& descriptor, Json& object) {
  if (!object.is_object()) return;
  for (int i = 0; i < descriptor.field_count(); ++i) {
    const FieldDescriptor& field = *descriptor.field(i);
    auto it = object.find(field.name());
    if (it == object.end()) continue;
    auto fix_one = [&field](Json& v) {
      switch (field.cpp_type()) {
        case FieldDescriptor::CPPTYPE_INT64:
          v = Int64Value(v, false);
          break;
        case FieldDescriptor::CPPTYPE_UINT64:
          v = Int64Value(v, true);
          break;
        case FieldDescriptor::CPPTYPE_MESSAGE:
          FixInt64(*field.message_type(), v);
          break;
        default:
          break;
      }
    };
    if (field.is_repeated() && it->is_array()) {
      for (Json& element : *it) fix_one(element);
    } else {
      fix_one(*it);
    }
  }
}

}  // namespace

Json MessageToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string text;
  if (!google::protobuf::util::MessageToJsonString(message, &text, options).ok()) {
    return Json::object();  // only fails for Any/unknown types, which the API does not use
  }
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return Json::object();
  FixInt64(*message.GetDescriptor(), json);
  return json;
}

}  // namespace bb::cli
