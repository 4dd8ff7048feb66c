// The REST API's transport rules against a real backupd: version discovery, microversions,
// authentication and roles, project isolation, error bodies, and volumes and snapshots.
#include <fstream>
#include <sstream>

#include "tests/integration/api_fixture.h"

namespace bb::it {
namespace {

constexpr char kNoSuchId[] = "00000000-0000-4000-8000-000000000000";

TEST_F(ApiTest, VersionDiscoveryNeedsNoTokenAndGivesTheRange) {
  HttpResponse root = HttpRequest("GET", daemon_->api_url() + "/", {});
  EXPECT_EQ(root.status, 300) << root.Describe();
  nlohmann::json v = root.Json()["versions"][0];
  EXPECT_EQ(v["id"], "v3.0");
  EXPECT_EQ(v["min_version"], "3.0");
  EXPECT_EQ(v["version"], "3.64");
  EXPECT_EQ(v["status"], "CURRENT");
  HttpResponse v3 = HttpRequest("GET", daemon_->api_url() + "/v3/", {});
  EXPECT_EQ(v3.status, 200) << v3.Describe();
  EXPECT_EQ(v3.Json()["versions"][0]["version"], "3.64");
}

TEST_F(ApiTest, MicroversionHeaderIsCheckedAndEchoed) {
  HttpResponse ok = Call("GET", "/volumes", member_, "", "3.27");
  EXPECT_EQ(ok.status, 200) << ok.Describe();
  EXPECT_EQ(ok.headers["openstack-api-version"], "volume 3.27");
  HttpResponse none = Call("GET", "/volumes", member_, "", "");
  EXPECT_EQ(none.headers["openstack-api-version"], "volume 3.0");
  HttpResponse latest = Call("GET", "/volumes", member_, "", "latest");
  EXPECT_EQ(latest.headers["openstack-api-version"], "volume 3.64");
  ExpectError(Call("GET", "/volumes", member_, "", "3.x"), 400, "badRequest",
              "Must be of format MajorNum.MinorNum.");
  ExpectError(Call("GET", "/volumes", member_, "", "3.99"), 406, "computeFault",
              "Minimum is 3.0 and maximum is 3.64");
  // Attachments came with 3.27.
  ExpectError(Call("POST", "/attachments", member_, "{}", "3.26"), 404, "itemNotFound",
              "not supported on this method");
}

TEST_F(ApiTest, AuthenticationAndRoles) {
  ExpectError(Call("GET", "/volumes", ""), 401, "unauthorized", "X-Auth-Token");
  ExpectError(Call("GET", "/volumes", "bbt_" + std::string(64, '0')), 401, "unauthorized",
              "unknown, revoked or malformed");
  std::string reader = Token(project_, "reader");
  EXPECT_EQ(Call("GET", "/volumes/detail", reader).status, 200);
  ExpectError(Call("POST", "/volumes", reader, R"({"volume": {"size": 1}})"), 403, "forbidden",
              "Policy doesn't allow");
  // Admin-only: export and reset-status, even of the member's own records.
  std::string volume = ApiVolume(1, "v");
  ExpectError(Post("/backups/import_record",
                   R"({"backup-record": {"backup_service": "posix", "backup_url": "eA=="}})"),
              403, "forbidden", "Policy doesn't allow");
  // A token is refused at once after its revocation.
  CliRun revoke = Cli({"token", "revoke", token_ids_[reader]}, As::kOperator);
  ASSERT_EQ(revoke.code, 0) << revoke.Describe();
  ExpectError(Call("GET", "/volumes", reader), 401, "unauthorized", "revoked");
  // token commands are the operator's.
  CliRun tenant = Cli({"token", "create", "--project", project_, "--role", "admin"});
  ExpectRefused(tenant, "PERMISSION_DENIED", "token create is an admin operation");
}

TEST_F(ApiTest, AnotherProjectsIdsAreNotFoundAndItsUrlForbidden) {
  std::string volume = ApiVolume(1, "mine");
  std::string other_project = project_ + "_b";
  std::string other = Token(other_project, "member");
  // The other project's token in its own URL: our ids do not exist for it.
  ExpectError(Call("GET", "/volumes/" + volume, other, "", "3.64", other_project), 404,
              "itemNotFound", "not found");
  ExpectError(Call("DELETE", "/volumes/" + volume, other, "", "3.64", other_project), 404,
              "itemNotFound", "not found");
  ExpectError(Call("POST", "/backups", other, R"({"backup": {"volume_id": ")" + volume + R"("}})",
                   "3.64", other_project),
              404, "itemNotFound", "not found");
  ExpectError(Call("POST", "/snapshots", other,
                   R"({"snapshot": {"volume_id": ")" + volume + R"("}})", "3.64", other_project),
              404, "itemNotFound", "not found");
  HttpResponse list = Call("GET", "/volumes", other, "", "3.64", other_project);
  EXPECT_EQ(list.Json()["volumes"].size(), 0u) << list.Describe();
  // Its token in our URL: refused before any lookup.
  ExpectError(Call("GET", "/volumes/" + volume, other), 403, "forbidden", "project in the URL");
  // Nothing changed for us.
  EXPECT_EQ(Get("/volumes/" + volume).Json()["volume"]["status"], "available");
  // An admin token of another project sees it (Cinder's admin_or_owner), and lists every
  // project only with all_tenants.
  std::string admin = Token(other_project, "admin");
  EXPECT_EQ(Call("GET", "/volumes/" + volume, admin, "", "3.64", other_project).status, 200);
  HttpResponse all = Call("GET", "/volumes?all_tenants=1", admin, "", "3.64", other_project);
  bool listed = false;
  nlohmann::json every = all.Json();
  for (const auto& v : every["volumes"]) listed = listed || v["id"] == volume;
  EXPECT_TRUE(listed) << all.Describe();
  // A member's all_tenants is ignored (as Cinder): its own project only.
  HttpResponse ignored = Call("GET", "/volumes?all_tenants=1", other, "", "3.64", other_project);
  EXPECT_EQ(ignored.Json()["volumes"].size(), 0u) << ignored.Describe();
}

TEST_F(ApiTest, VolumesCreateListShowDelete) {
  std::string a = ApiVolume(1, "alpha");
  std::string b = ApiVolume(2, "beta");
  HttpResponse show = Get("/volumes/" + a);
  ASSERT_EQ(show.status, 200) << show.Describe();
  nlohmann::json v = show.Json()["volume"];
  EXPECT_EQ(v["name"], "alpha");
  EXPECT_EQ(v["size"], 1);
  EXPECT_EQ(v["status"], "available");
  EXPECT_EQ(v["attachments"].size(), 0u);
  EXPECT_EQ(v["links"][0]["href"], daemon_->api_url() + "/v3/" + project_ + "/volumes/" + a);

  // Without the project in the URL (Cinder 3.67+ style): the token's project.
  HttpResponse no_project =
      HttpRequest("GET", daemon_->api_url() + "/v3/volumes/" + a, {"X-Auth-Token: " + member_});
  EXPECT_EQ(no_project.status, 200) << no_project.Describe();
  EXPECT_EQ(no_project.Json()["volume"]["id"], a);

  HttpResponse summary = Get("/volumes");
  ASSERT_EQ(summary.status, 200);
  EXPECT_EQ(summary.Json()["volumes"].size(), 2u);
  EXPECT_FALSE(summary.Json()["volumes"][0].contains("status"));  // summary: id, name, links
  HttpResponse filtered = Get("/volumes/detail?name=beta");
  ASSERT_EQ(filtered.Json()["volumes"].size(), 1u) << filtered.Describe();
  EXPECT_EQ(filtered.Json()["volumes"][0]["id"], b);
  HttpResponse page = Get("/volumes/detail?limit=1&sort=name:asc");
  ASSERT_EQ(page.Json()["volumes"].size(), 1u);
  EXPECT_EQ(page.Json()["volumes"][0]["name"], "alpha");
  std::string next = page.Json()["volumes_links"][0]["href"];
  EXPECT_NE(next.find("marker=" + a), std::string::npos) << next;
  HttpResponse second = HttpRequest("GET", next, {"X-Auth-Token: " + member_});
  ASSERT_EQ(second.Json()["volumes"].size(), 1u) << second.Describe();
  EXPECT_EQ(second.Json()["volumes"][0]["name"], "beta");
  EXPECT_FALSE(second.Json().contains("volumes_links"));

  EXPECT_EQ(Call("DELETE", "/volumes/" + b, member_).status, 202);
  ExpectError(Get("/volumes/" + b), 404, "itemNotFound", "not found");
  ExpectError(Call("DELETE", "/volumes/" + b, member_), 404, "itemNotFound", "not found");
}

TEST_F(ApiTest, BadInputIs400AndChangesNothing) {
  ExpectError(Post("/volumes", "{"), 400, "badRequest", "not valid JSON");
  ExpectError(Post("/volumes", R"({"volume": {"size": 1, "color": "red"}})"), 400, "badRequest",
              "'color' was unexpected");
  ExpectError(Post("/volumes", R"({"volume": {"size": "big"}})"), 400, "badRequest", "volume/size");
  ExpectError(Post("/volumes", R"({"volume": {"name": "x"}})"), 400, "badRequest",
              "'size' is a required property");
  ExpectError(Post("/volumes", R"({"volume": {"size": 1, "imageRef": "x"}})"), 400, "badRequest",
              "imageRef is not supported");
  ExpectError(Post("/backups", R"({"backup": {"volume_id": "abc"}})"), 400, "badRequest",
              "backup/volume_id");
  ExpectError(Post("/backups", R"({"backup": {"volume_id": ")" + std::string(kNoSuchId) +
                                   R"(", "force": "maybe"}})"),
              400, "badRequest", "backup/force");
  ExpectError(Get("/backups?limit=-1"), 400, "badRequest", "limit param must be positive");
  ExpectError(Get("/backups?limit=x"), 400, "badRequest", "limit param must be an integer");
  ExpectError(Get("/backups?sort=color"), 400, "badRequest", "color");
  ExpectError(Get("/backups?offset=-3"), 400, "badRequest", "offset must be >= 0");
  ExpectError(Get("/backups?bogus=1"), 400, "badRequest", "Invalid filters bogus");
  ExpectError(Get("/backups?marker=nope"), 400, "badRequest", "marker");
  ExpectError(Get("/volumes/" + std::string(kNoSuchId)), 404, "itemNotFound", "not found");
  ExpectError(Get("/nothing-here"), 404, "itemNotFound", "could not be found");
  ExpectError(Call("PATCH", "/volumes", member_, "{}"), 405, "badMethod", "PATCH");
  HttpResponse huge =
      Post("/volumes", R"({"volume": {"size": 1, "name": ")" + std::string(200000, 'x') + R"("}})");
  ExpectError(huge, 413, "overLimit", "too large");
  EXPECT_EQ(huge.headers["retry-after"], "0");
  EXPECT_EQ(Get("/volumes").Json()["volumes"].size(), 0u);
}

// Snapshots are reflink copies: on a scratch XFS (root).
TEST_F(ApiOnXfsTest, SnapshotsCreateListShowDelete) {
  std::string volume = ApiVolume(1, "src");
  HttpResponse created =
      Post("/snapshots", R"({"snapshot": {"volume_id": ")" + volume + R"(", "name": "s1"}})");
  ASSERT_EQ(created.status, 202) << created.Describe();
  std::string id = created.Json()["snapshot"]["id"];
  EXPECT_EQ(created.Json()["snapshot"]["volume_id"], volume);
  HttpResponse list = Get("/snapshots/detail?volume_id=" + volume);
  ASSERT_EQ(list.Json()["snapshots"].size(), 1u) << list.Describe();
  EXPECT_EQ(list.Json()["snapshots"][0]["name"], "s1");
  EXPECT_EQ(Get("/snapshots/" + id).Json()["snapshot"]["status"], "available");
  EXPECT_EQ(Call("DELETE", "/snapshots/" + id, member_).status, 202);
  ExpectError(Get("/snapshots/" + id), 404, "itemNotFound", "not found");
}

TEST_F(ApiTest, TokensNeverReachTheLog) {
  std::string admin = Token(project_, "admin");
  ApiVolume(1, "logged");
  Call("GET", "/volumes", admin);
  Call("GET", "/volumes", "bbt_" + std::string(64, '7'));
  std::string log = daemon_->Log();
  EXPECT_NE(log.find("REST API listening on 127.0.0.1:"), std::string::npos) << log;
  EXPECT_NE(log.find("api POST /v3/" + project_ + "/volumes 202"), std::string::npos);
  for (const std::string& token : {member_, admin, "bbt_" + std::string(64, '7')}) {
    EXPECT_EQ(log.find(token.substr(4)), std::string::npos) << "token in the daemon log";
  }
}

}  // namespace
}  // namespace bb::it
