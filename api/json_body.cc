// BodyObject: strict property and type checks, one message per violation.
#include "api/json_body.h"

#include "backup_service/common/uuid.h"
#include "backup_service/common/validation.h"

namespace bb::api {
namespace {

// Caller text quoted in messages: bounded and printable.
std::string Shown(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 64)) out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  return out;
}

Result<nlohmann::json> ParseJson(std::string_view body) {
  nlohmann::json value = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    return Status::InvalidArgument("Malformed request body: the body is not valid JSON");
  }
  return value;
}

}  // namespace

Result<BodyObject> BodyObject::Parse(std::string_view body, std::string_view root,
                                     std::initializer_list<std::string_view> allowed) {
  ASSIGN_OR_RETURN(auto value, ParseJson(body));
  if (!value.is_object()) {
    return Status::InvalidArgument("Malformed request body: expected a JSON object");
  }
  for (const auto& [key, unused] : value.items()) {
    if (key != root) {
      return Status::InvalidArgument("Invalid input for field/attribute " + std::string(root) +
                                     ". Additional properties are not allowed ('" + Shown(key) +
                                     "' was unexpected)");
    }
  }
  auto it = value.find(std::string(root));
  if (it == value.end()) {
    return Status::InvalidArgument("Invalid input for field/attribute " + std::string(root) +
                                   ". '" + std::string(root) + "' is a required property");
  }
  return FromJson(*it, std::string(root), allowed);
}

Result<BodyObject> BodyObject::FromJson(const nlohmann::json& value, std::string path,
                                        std::initializer_list<std::string_view> allowed) {
  if (!value.is_object()) {
    return Status::InvalidArgument("Invalid input for field/attribute " + path + ". " +
                                   "Value must be an object");
  }
  for (const auto& [key, unused] : value.items()) {
    bool known = false;
    for (auto a : allowed) known = known || a == key;
    if (!known) {
      return Status::InvalidArgument("Invalid input for field/attribute " + path +
                                     ". Additional properties are not allowed ('" + Shown(key) +
                                     "' was unexpected)");
    }
  }
  return BodyObject(value, std::move(path));
}

const nlohmann::json* BodyObject::Find(std::string_view key) const {
  auto it = value_.find(std::string(key));
  return it == value_.end() ? nullptr : &*it;
}

Status BodyObject::Invalid(std::string_view key, std::string_view why) const {
  return Status::InvalidArgument("Invalid input for field/attribute " + path_ + "/" +
                                 std::string(key) + ". " + std::string(why));
}

Status BodyObject::Require(std::string_view key) const {
  if (Find(key) != nullptr) return Status::Ok();
  return Invalid(key, "'" + std::string(key) + "' is a required property");
}

Result<std::optional<std::string>> BodyObject::String(std::string_view key, size_t max_length,
                                                      bool nullable) const {
  const nlohmann::json* v = Find(key);
  if (v == nullptr || (nullable && v->is_null())) return std::optional<std::string>();
  if (!v->is_string())
    return Invalid(key, nullable ? "Value must be a string or null" : "Value must be a string");
  std::string s = v->get<std::string>();
  if (Status st = ValidateText(std::string(key), s, max_length); !st.ok()) {
    return Invalid(key, st.message());
  }
  return std::optional<std::string>(std::move(s));
}

Result<std::optional<bool>> BodyObject::Bool(std::string_view key) const {
  const nlohmann::json* v = Find(key);
  if (v == nullptr) return std::optional<bool>();
  if (v->is_boolean()) return std::optional<bool>(v->get<bool>());
  if (v->is_string()) {
    std::string s = v->get<std::string>();
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const char* t : {"true", "1", "yes", "on", "t", "y"}) {
      if (s == t) return std::optional<bool>(true);
    }
    for (const char* f : {"false", "0", "no", "off", "f", "n"}) {
      if (s == f) return std::optional<bool>(false);
    }
  }
  return Invalid(key,
                 "Value must be a boolean (true/false, or one of the strings "
                 "true/false, 1/0, yes/no, on/off, t/f, y/n)");
}

Result<std::optional<int64_t>> BodyObject::Integer(std::string_view key, int64_t min,
                                                   int64_t max) const {
  const nlohmann::json* v = Find(key);
  if (v == nullptr) return std::optional<int64_t>();
  int64_t n = 0;
  if (v->is_number_integer()) {
    n = v->get<int64_t>();
  } else if (v->is_string()) {
    // Cinder's schema accepts integers written as strings ("size": "1").
    std::string s = v->get<std::string>();
    if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos) {
      return Invalid(key, "Value must be an integer");
    }
    n = std::stoll(s);
  } else {
    return Invalid(key, "Value must be an integer");
  }
  if (n < min || n > max) {
    return Invalid(key,
                   "Value must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return std::optional<int64_t>(n);
}

Result<std::optional<std::string>> BodyObject::Uuid(std::string_view key, bool nullable) const {
  const nlohmann::json* v = Find(key);
  if (v == nullptr || (nullable && v->is_null())) return std::optional<std::string>();
  if (!v->is_string() || !IsUuid(v->get<std::string>())) {
    return Invalid(key, "Value must be a UUID (8-4-4-4-12 hex digits)");
  }
  return std::optional<std::string>(v->get<std::string>());
}

Result<std::optional<nlohmann::json>> BodyObject::Object(std::string_view key,
                                                         bool nullable) const {
  const nlohmann::json* v = Find(key);
  if (v == nullptr || (nullable && v->is_null())) return std::optional<nlohmann::json>();
  if (!v->is_object()) return Invalid(key, "Value must be an object");
  return std::optional<nlohmann::json>(*v);
}

Result<std::pair<std::string, nlohmann::json>> ParseActionBody(std::string_view body) {
  ASSIGN_OR_RETURN(auto value, ParseJson(body));
  if (!value.is_object() || value.size() != 1) {
    return Status::InvalidArgument(
        "Malformed request body: an action body is an object with exactly one action key");
  }
  auto it = value.begin();
  return std::make_pair(it.key(), it.value());
}

}  // namespace bb::api
