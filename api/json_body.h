// Request bodies with Cinder's JSON-schema rules: the body is one object holding the root key
// (`{"backup": {...}}`), the root's object allows only the listed properties
// (additionalProperties: false), and each field has a type; violations are InvalidArgument
// (400) with a message that names the field and what to fix. Nothing is read from a body that
// failed. Booleans accept Cinder's strings (true/false, 1/0, yes/no, on/off, t/f, y/n).
// Thread-safety: values.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "backup_service/common/result.h"

namespace bb::api {

// A JSON object of known properties. Getters return nullopt when the property is absent (or
// null where null is allowed).
class BodyObject {
 public:
  // Parses `body`; `root` must be its only key and hold an object with no key outside `allowed`.
  static Result<BodyObject> Parse(std::string_view body, std::string_view root,
                                  std::initializer_list<std::string_view> allowed);
  // An object value already parsed (an action's argument), with the same property check.
  static Result<BodyObject> FromJson(const nlohmann::json& value, std::string path,
                                     std::initializer_list<std::string_view> allowed);

  Result<std::optional<std::string>> String(std::string_view key, size_t max_length,
                                            bool nullable) const;
  Result<std::optional<bool>> Bool(std::string_view key) const;
  Result<std::optional<int64_t>> Integer(std::string_view key, int64_t min, int64_t max) const;
  // A UUID string (or null when nullable).
  Result<std::optional<std::string>> Uuid(std::string_view key, bool nullable) const;
  // An object value (e.g. a connector), not checked inside.
  Result<std::optional<nlohmann::json>> Object(std::string_view key, bool nullable) const;
  // Fails unless `key` is present (Cinder's "'x' is a required property").
  Status Require(std::string_view key) const;

 private:
  BodyObject(nlohmann::json value, std::string path)
      : value_(std::move(value)), path_(std::move(path)) {}
  const nlohmann::json* Find(std::string_view key) const;
  Status Invalid(std::string_view key, std::string_view why) const;

  nlohmann::json value_;
  std::string path_;  // "backup" (messages say backup/force)
};

// Parses an action body (`{"os-reset_status": {...}}`): exactly one key, returned with its value.
Result<std::pair<std::string, nlohmann::json>> ParseActionBody(std::string_view body);

}  // namespace bb::api
