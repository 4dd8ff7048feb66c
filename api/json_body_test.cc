#include "api/json_body.h"

#include <gtest/gtest.h>

namespace bb::api {
namespace {

TEST(JsonBodyTest, ReadsTypedFields) {
  auto body = BodyObject::Parse(
      R"({"backup": {"volume_id": "7d0c9d4e-7a4e-4f5b-9a4e-111111111111", "force": "yes",
          "name": null, "incremental": false}})",
      "backup", {"volume_id", "force", "name", "incremental"});
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(**body->Uuid("volume_id", false), "7d0c9d4e-7a4e-4f5b-9a4e-111111111111");
  EXPECT_TRUE(**body->Bool("force"));
  EXPECT_FALSE(**body->Bool("incremental"));
  EXPECT_FALSE(body->String("name", 255, true)->has_value());
  EXPECT_FALSE(body->Bool("absent")->has_value());
}

TEST(JsonBodyTest, RefusesWhatCindersSchemaRefuses) {
  struct Case {
    const char* body;
    const char* expected;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"{", "not valid JSON"},
           {"[1]", "expected a JSON object"},
           {R"({"other": {}})", "'other' was unexpected"},
           {R"({})", "'backup' is a required property"},
           {R"({"backup": 3})", "must be an object"},
           {R"({"backup": {"color": "red"}})", "'color' was unexpected"},
       }) {
    auto body = BodyObject::Parse(c.body, "backup", {"force"});
    ASSERT_FALSE(body.ok()) << c.body;
    EXPECT_EQ(body.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(body.status().message().find(c.expected), std::string::npos)
        << c.body << ": " << body.status().message();
  }
}

TEST(JsonBodyTest, WrongTypesNameTheField) {
  auto body = BodyObject::Parse(R"({"b": {"force": "maybe", "size": -1, "id": "nope", "n": 5}})",
                                "b", {"force", "size", "id", "n"});
  ASSERT_TRUE(body.ok());
  auto force = body->Bool("force");
  ASSERT_FALSE(force.ok());
  EXPECT_NE(force.status().message().find("b/force"), std::string::npos);
  EXPECT_FALSE(body->Integer("size", 1, 100).ok());
  EXPECT_FALSE(body->Uuid("id", false).ok());
  EXPECT_FALSE(body->String("n", 10, true).ok());
  auto too_long = BodyObject::Parse(R"({"b": {"n": "abcdef"}})", "b", {"n"});
  EXPECT_FALSE(too_long->String("n", 5, false).ok());
}

TEST(JsonBodyTest, ActionBodyHasExactlyOneKey) {
  auto action = ParseActionBody(R"({"os-reset_status": {"status": "error"}})");
  ASSERT_TRUE(action.ok());
  EXPECT_EQ(action->first, "os-reset_status");
  EXPECT_FALSE(ParseActionBody(R"({})").ok());
  EXPECT_FALSE(ParseActionBody(R"({"a": 1, "b": 2})").ok());
  EXPECT_FALSE(ParseActionBody("null").ok());
}

}  // namespace
}  // namespace bb::api
