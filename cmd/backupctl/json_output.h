// JSON rendering of API messages for `backupctl --json`.
// Field names are the proto field names and every field is present (defaults included), as
// protobuf's JSON printer gives with preserve_proto_field_names and always_print_primitive_fields;
// unlike proto3 JSON, 64-bit integers are JSON numbers (sizes and times are read by scripts).
// Objects keep proto field order (ordered_json). Thread-safety: pure functions.
#pragma once

#include <google/protobuf/message.h>

#include <nlohmann/json.hpp>

namespace bb::cli {

using Json = nlohmann::ordered_json;

Json MessageToJson(const google::protobuf::Message& message);

}  // namespace bb::cli
