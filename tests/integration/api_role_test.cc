// Role api against real processes: a role all backupd (grpc_auth = token) and a role api backupd
// in front of it (backup_service_address = its gRPC endpoint), on one PostgreSQL. Every helper of
// ApiTest goes to the role api daemon here (ApiUrl), so the REST calls cross the gRPC hop with
// the caller's token: the full volume/backup flow, project isolation (404), roles, quotas (413
// with Cinder's message), and bad input answered with the same status and message as the
// in-process API of the daemon behind. Plus the start refusals: a backend that does not check
// tokens, and settings role api does not have.
#include <fstream>

#include "tests/integration/api_fixture.h"

namespace bb::it {
namespace {

constexpr char kNoSuchId[] = "00000000-0000-4000-8000-000000000000";

class ApiRoleTest : public ApiTest {
 protected:
  void SetUp() override {
    BackupctlTest::SetUp();  // the role all daemon; restarted below with grpc_auth = token
    if (HasFatalFailure() || IsSkipped()) return;
    StopDaemon();
    BackupdOptions behind;
    behind.extra_config = {"grpc_auth = token"};
    StartDaemon(behind);
    if (HasFatalFailure()) return;
    auto front = StartFront({"backup_service_address = " + daemon_->endpoint()});
    ASSERT_TRUE(front.ok()) << front.status().ToString();
    front_ = std::move(front).value();
    member_ = Token(project_, "member");
  }
  void TearDown() override {
    if (front_) {
      auto code = front_->Stop(std::chrono::seconds(30));
      EXPECT_TRUE(code.ok() && *code == 0) << front_->Log();
      front_.reset();
    }
    ApiTest::TearDown();
  }
  std::string ApiUrl() const override { return front_->api_url(); }

  Result<std::unique_ptr<BackupdProcess>> StartFront(std::vector<std::string> extra) {
    BackupdOptions options;
    options.extra_config = std::move(extra);
    options.api_role = true;
    return BackupdProcess::Start(BB_BACKUPD_PATH, database_->conninfo(), BB_SCHEMA_DIR, options);
  }

  // The same request to the in-process API of the daemon behind.
  HttpResponse InProcess(const std::string& method, const std::string& path,
                         const std::string& body) {
    return HttpRequest(method, daemon_->api_url() + "/v3/" + project_ + path,
                       {"X-Auth-Token: " + member_, "OpenStack-API-Version: volume 3.64"}, body);
  }

  std::unique_ptr<BackupdProcess> front_;
};

TEST_F(ApiRoleTest, VolumeBackupRestoreDeleteFlowCrossesTheHop) {
  std::string volume = ApiVolume(1, "through-api-role");
  ASSERT_FALSE(volume.empty());
  WritePatternToFile(daemon_->volumes_dir() + "/volume-" + volume, 0, 2 * kMiB, 7);
  HttpResponse shown = Get("/volumes/" + volume);
  ASSERT_EQ(shown.status, 200) << shown.Describe();
  EXPECT_EQ(shown.Json()["volume"]["status"], "available");
  EXPECT_EQ(shown.Json()["volume"]["os-vol-tenant-attr:tenant_id"], project_);
  // The links are the front's: the client addressed it.
  EXPECT_NE(shown.Json()["volume"]["links"][0].value("href", "").find(ApiUrl()), std::string::npos)
      << shown.Describe();

  HttpResponse created = Post(
      "/backups", R"({"backup": {"volume_id": ")" + volume + R"(", "name": "b1", "force": true}})");
  ASSERT_EQ(created.status, 202) << created.Describe();
  std::string backup = created.Json()["backup"].value("id", "");
  nlohmann::json done = WaitBackup(backup, "creating");
  EXPECT_EQ(done.value("status", ""), "available") << done.dump();
  EXPECT_EQ(done.value("size", 0), 1);
  EXPECT_EQ(done.value("volume_id", ""), volume);

  HttpResponse listed = Get("/backups/detail?name=b1&with_count=true");
  ASSERT_EQ(listed.status, 200) << listed.Describe();
  ASSERT_EQ(listed.Json()["backups"].size(), 1u) << listed.Describe();
  EXPECT_EQ(listed.Json()["backups"][0]["id"], backup);
  EXPECT_EQ(listed.Json()["count"], 1);
  // Paging crosses too: limit, marker and offset (the proto's offset field).
  ASSERT_EQ(ApiVolume(1, "second").empty(), false);
  HttpResponse page = Get("/volumes?limit=1&sort=name:asc");
  ASSERT_EQ(page.status, 200) << page.Describe();
  ASSERT_EQ(page.Json()["volumes"].size(), 1u);
  EXPECT_EQ(page.Json()["volumes"][0]["name"], "second");
  EXPECT_TRUE(page.Json().contains("volumes_links")) << page.Describe();
  HttpResponse skipped = Get("/volumes?sort=name:asc&offset=1");
  ASSERT_EQ(skipped.Json()["volumes"].size(), 1u) << skipped.Describe();
  EXPECT_EQ(skipped.Json()["volumes"][0]["name"], "through-api-role");

  HttpResponse restore =
      Post("/backups/" + backup + "/restore", R"({"restore": {"name": "restored"}})");
  ASSERT_EQ(restore.status, 202) << restore.Describe();
  std::string target = restore.Json()["restore"].value("volume_id", "");
  EXPECT_EQ(restore.Json()["restore"]["backup_id"], backup);
  EXPECT_EQ(restore.Json()["restore"]["volume_name"], "restored");
  EXPECT_EQ(WaitVolume(target, "restoring-backup").value("status", ""), "available");
  EXPECT_EQ(WaitBackup(backup, "restoring").value("status", ""), "available");
  auto head = [&](const std::string& id) {  // the 2 MiB the pattern was written to
    std::ifstream in(daemon_->volumes_dir() + "/volume-" + id, std::ios::binary);
    std::string data(2 * kMiB, '\0');
    in.read(data.data(), static_cast<std::streamsize>(data.size()));
    return data;
  };
  EXPECT_TRUE(head(target) == head(volume)) << "restored volume differs from its source";

  EXPECT_EQ(Call("DELETE", "/backups/" + backup, member_).status, 202);
  nlohmann::json gone = WaitBackup(backup, "deleting");
  EXPECT_EQ(gone.value("itemNotFound", nlohmann::json()).value("code", 0), 404) << gone.dump();
  EXPECT_EQ(Call("DELETE", "/volumes/" + target, member_).status, 202);
  EXPECT_EQ(Call("DELETE", "/volumes/" + volume, member_).status, 202);
  ExpectError(Get("/volumes/" + volume), 404, "itemNotFound", "not found");
}

TEST_F(ApiRoleTest, IsolationRolesAndQuotasHoldThroughTheHop) {
  std::string volume = ApiVolume(1, "mine");
  std::string other_project = "it_" + NewUuid().substr(0, 8);
  std::string other = Token(other_project, "member");
  // Another project's member: our ids are 404 (never 403), through role api as in process.
  HttpResponse other_show = Call("GET", "/volumes/" + volume, other, "", "3.64", other_project);
  ExpectError(other_show, 404, "itemNotFound", "not found");
  ExpectError(Call("DELETE", "/volumes/" + volume, other, "", "3.64", other_project), 404,
              "itemNotFound", "not found");
  HttpResponse backup = Post("/backups", R"({"backup": {"volume_id": ")" + volume + R"("}})");
  ASSERT_EQ(backup.status, 202) << backup.Describe();
  std::string id = backup.Json()["backup"].value("id", "");
  ExpectError(Call("GET", "/backups/" + id, other, "", "3.64", other_project), 404, "itemNotFound",
              "not found");
  EXPECT_EQ(Call("GET", "/backups/detail", other, "", "3.64", other_project).Json()["backups"],
            nlohmann::json::array());
  // An admin of the other project reaches it by id and lists every project with all_tenants
  // (the daemon behind sees the admin token, as the in-process API does).
  std::string other_admin = Token(other_project, "admin");
  EXPECT_EQ(Call("GET", "/volumes/" + volume, other_admin, "", "3.64", other_project).status, 200);
  HttpResponse all = Call("GET", "/volumes?all_tenants=1", other_admin, "", "3.64", other_project);
  bool listed = false;
  nlohmann::json every = all.Json();
  for (const auto& v : every["volumes"]) listed = listed || v["id"] == volume;
  EXPECT_TRUE(listed) << all.Describe();
  // Its token under our URL: 403 at the front (the URL's project is not the token's).
  ExpectError(Call("GET", "/volumes", other), 403, "forbidden", "not authorized");
  // A reader cannot create; an admin-only action is refused for a member.
  std::string reader = Token(project_, "reader");
  ExpectError(Call("POST", "/volumes", reader, R"({"volume": {"size": 1}})"), 403, "forbidden",
              "Policy doesn't allow");
  ExpectError(Post("/backups/" + id + "/action", R"({"os-reset_status": {"status": "error"}})"),
              403, "forbidden", "Policy doesn't allow");
  EXPECT_EQ(WaitBackup(id, "creating").value("status", ""), "available");

  // Quotas: an admin sets ours to one backup; the second create is 413 with Cinder's message
  // (without the hint gRPC adds), and the quota reads back through the hop.
  std::string admin = Token(project_, "admin");
  HttpResponse set =
      Call("PUT", "/os-quota-sets/" + project_, admin, R"({"quota_set": {"backups": 1}})");
  ASSERT_EQ(set.status, 200) << set.Describe();
  HttpResponse over = Post("/backups", R"({"backup": {"volume_id": ")" + volume + R"("}})");
  ExpectError(over, 413, "overLimit",
              "BackupLimitExceeded: Maximum number of backups allowed (1) exceeded");
  EXPECT_EQ(over.Json()["overLimit"]["message"],
            "BackupLimitExceeded: Maximum number of backups allowed (1) exceeded");
  EXPECT_EQ(over.headers["retry-after"], "0");
  HttpResponse usage = Get("/os-quota-sets/" + project_ + "?usage=true");
  ASSERT_EQ(usage.status, 200) << usage.Describe();
  EXPECT_EQ(usage.Json()["quota_set"]["backups"]["limit"], 1);
  EXPECT_EQ(usage.Json()["quota_set"]["backups"]["in_use"], 1);
  EXPECT_EQ(Get("/os-quota-sets/" + project_ + "/defaults").Json()["quota_set"]["backups"], 10);
  // Another project's quotas: refused for a member, at the front and behind it alike.
  ExpectError(Get("/os-quota-sets/" + other_project), 403, "forbidden", "quotas:show");
  EXPECT_EQ(Call("DELETE", "/os-quota-sets/" + project_, admin).status, 200);
  EXPECT_EQ(Get("/os-quota-sets/" + project_).Json()["quota_set"]["backups"], 10);
}

TEST_F(ApiRoleTest, BadInputGetsTheSameAnswerAsInProcess) {
  std::string volume = ApiVolume(1, "v");
  struct Case {
    std::string method, path, body;
  };
  const std::vector<Case> cases = {
      {"POST", "/backups", R"({"backup": {"volume_id": "not-a-uuid"}})"},
      {"POST", "/backups", R"({"backup": {"volume_id": ")" + volume + R"(", "bogus": 1}})"},
      {"POST", "/volumes", R"({"volume": {"size": 0}})"},
      {"GET", "/backups/detail?limit=-1", ""},
      {"GET", "/backups/detail?sort=nope", ""},
      {"GET", "/backups/" + std::string(kNoSuchId), ""},
      // The managers' own refusals (not the body schema): their messages cross unchanged.
      {"POST", "/backups", R"({"backup": {"volume_id": ")" + std::string(kNoSuchId) + R"("}})"},
      {"POST", "/backups",
       R"({"backup": {"volume_id": ")" + volume + R"(", "snapshot_id": ")" +
           std::string(kNoSuchId) + R"("}})"},
      {"POST", "/backups/" + std::string(kNoSuchId) + "/restore", R"({"restore": {}})"},
      {"POST", "/snapshots", R"({"snapshot": {"volume_id": ")" + std::string(kNoSuchId) + R"("}})"},
      {"DELETE", "/volumes/" + std::string(kNoSuchId), ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.method + " " + c.path + " " + c.body);
    HttpResponse front = Call(c.method, c.path, member_, c.body);
    HttpResponse local = InProcess(c.method, c.path, c.body);
    EXPECT_GE(front.status, 400) << front.Describe();
    EXPECT_EQ(front.status, local.status) << front.Describe() << "\n" << local.Describe();
    EXPECT_EQ(front.Json(), local.Json()) << front.Describe() << "\n" << local.Describe();
  }
}

TEST_F(ApiRoleTest, RefusesABackendThatDoesNotCheckTokens) {
  // The daemon behind restarted with grpc_auth = trusted-header: it would act for whatever
  // project a call names, so role api refuses to start in front of it.
  StopDaemon();
  StartDaemon();
  auto refused = StartFront({"backup_service_address = " + daemon_->endpoint()});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("grpc_auth = trusted-header"), std::string::npos)
      << refused.status().ToString();
}

TEST_F(ApiRoleTest, RefusesTheSettingsOfOtherRoles) {
  for (const std::string& line :
       {std::string("store_path = /tmp/x"), std::string("volume_driver = file"),
        std::string("max_concurrent_jobs = 2"), std::string("grpc_auth = token")}) {
    auto refused = StartFront({"backup_service_address = " + daemon_->endpoint(), line});
    ASSERT_FALSE(refused.ok()) << line;
    std::string key = line.substr(0, line.find(' '));
    EXPECT_NE(refused.status().message().find(key + " cannot be set with role = api"),
              std::string::npos)
        << refused.status().ToString();
  }
}

}  // namespace
}  // namespace bb::it
