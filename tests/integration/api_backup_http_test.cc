// Backups and attachments over the REST API against a real backupd: create (force,
// incremental, container), list/detail with filters, sort and pagination, show, update, delete,
// restore to a new and to an existing volume, export/import, os-reset_status, os-force_delete;
// attachments (3.27+) and the force rule for in-use volumes (root: loop devices).
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/integration/api_fixture.h"

namespace bb::it {
namespace {

class ApiBackupTest : public ApiTest {
 protected:
  HttpResponse PostBackup(const std::string& volume, const std::string& extra = "",
                          const std::string& token = "") {
    return Post("/backups", R"({"backup": {"volume_id": ")" + volume + "\"" + extra + "}}", token);
  }
  // A backup that reached `available`.
  std::string AvailableBackup(const std::string& volume, const std::string& extra = "") {
    HttpResponse r = PostBackup(volume, extra);
    EXPECT_EQ(r.status, 202) << r.Describe();
    std::string id = r.Json()["backup"].value("id", "");
    nlohmann::json done = WaitBackup(id, "creating");
    EXPECT_EQ(done.value("status", ""), "available") << done.dump();
    return id;
  }
};

TEST_F(ApiBackupTest, CreateShowListUpdateDelete) {
  std::string volume = ApiVolume(1, "data");
  WritePatternToFile(daemon_->volumes_dir() + "/volume-" + volume, 0, 2 * kMiB, 7);
  HttpResponse created =
      PostBackup(volume, R"(, "name": "first", "description": "d", "container": "nightly")");
  ASSERT_EQ(created.status, 202) << created.Describe();
  nlohmann::json summary = created.Json()["backup"];
  EXPECT_EQ(summary["name"], "first");
  EXPECT_EQ(summary.size(), 3u) << summary.dump();  // id, name, links
  std::string first = summary["id"];
  nlohmann::json b = WaitBackup(first, "creating");
  EXPECT_EQ(b["status"], "available") << b.dump();
  EXPECT_EQ(b["volume_id"], volume);
  EXPECT_EQ(b["size"], 1);
  EXPECT_EQ(b["container"], "nightly");
  EXPECT_EQ(b["is_incremental"], false);
  EXPECT_EQ(b["has_dependent_backups"], false);
  EXPECT_GT(b["object_count"].get<int>(), 0);
  EXPECT_TRUE(b["data_timestamp"].is_string());
  EXPECT_FALSE(b.contains("os-backup-project-attr:project_id"));  // admin only

  std::string second = AvailableBackup(volume, R"(, "incremental": true, "name": "second")");
  nlohmann::json inc = Get("/backups/" + second).Json()["backup"];
  EXPECT_EQ(inc["is_incremental"], true);
  EXPECT_EQ(Get("/backups/" + first).Json()["backup"]["has_dependent_backups"], true);

  // Filters, sort, limit/marker and the next link, with_count (3.45).
  HttpResponse by_name = Get("/backups/detail?name=second");
  ASSERT_EQ(by_name.Json()["backups"].size(), 1u) << by_name.Describe();
  EXPECT_EQ(by_name.Json()["backups"][0]["id"], second);
  EXPECT_EQ(Get("/backups?volume_id=" + volume + "&status=available").Json()["backups"].size(), 2u);
  EXPECT_EQ(Get("/backups?status=error").Json()["backups"].size(), 0u);
  HttpResponse page = Get("/backups/detail?limit=1&sort=name:asc&with_count=true");
  ASSERT_EQ(page.status, 200) << page.Describe();
  EXPECT_EQ(page.Json()["count"], 2);
  ASSERT_EQ(page.Json()["backups"].size(), 1u);
  EXPECT_EQ(page.Json()["backups"][0]["name"], "first");
  std::string next = page.Json()["backups_links"][0]["href"];
  HttpResponse rest = HttpRequest("GET", next, {"X-Auth-Token: " + member_});
  ASSERT_EQ(rest.Json()["backups"].size(), 1u) << rest.Describe();
  EXPECT_EQ(rest.Json()["backups"][0]["name"], "second");
  EXPECT_EQ(Get("/backups?sort_key=name&sort_dir=desc").Json()["backups"][0]["name"], "second");

  // Update (3.9+).
  ExpectError(Call("PUT", "/backups/" + first, member_, R"({"backup": {"name": "x"}})", "3.8"), 404,
              "itemNotFound", "not supported on this method");
  HttpResponse updated =
      Call("PUT", "/backups/" + first, member_, R"({"backup": {"name": "renamed"}})");
  EXPECT_EQ(updated.status, 200) << updated.Describe();
  EXPECT_EQ(Get("/backups/" + first).Json()["backup"]["name"], "renamed");

  // Delete: any backup, whatever was made after it (our rule; Cinder would refuse the parent).
  EXPECT_EQ(Call("DELETE", "/backups/" + first, member_).status, 202);
  nlohmann::json gone = WaitBackup(first, "deleting");
  EXPECT_TRUE(gone.contains("itemNotFound")) << gone.dump();
  EXPECT_EQ(Get("/backups/" + second).Json()["backup"]["status"], "available");
}

TEST_F(ApiBackupTest, CreateRefusals) {
  std::string volume = ApiVolume(1, "v");
  ExpectError(PostBackup(volume, R"(, "incremental": true)"), 400, "badRequest",
              "No backups available to do an incremental backup.");
  ExpectError(PostBackup("00000000-0000-4000-8000-000000000000"), 404, "itemNotFound", "not found");
  ExpectError(PostBackup(volume, R"(, "container": "bad/name")"), 400, "badRequest", "container");
  ExpectError(PostBackup(volume, R"(, "metadata": {"k": "v"})"), 400, "badRequest", "metadata");
  ExpectError(PostBackup(volume, R"(, "snapshot_id": "00000000-0000-4000-8000-000000000000")"), 404,
              "itemNotFound", "not found");
  EXPECT_EQ(Get("/backups").Json()["backups"].size(), 0u);
}

TEST_F(ApiBackupTest, RestoreToNewAndExistingVolume) {
  std::string volume = ApiVolume(1, "src");
  WritePatternToFile(daemon_->volumes_dir() + "/volume-" + volume, 3 * kMiB, kMiB, 11);
  std::string backup = AvailableBackup(volume);

  HttpResponse to_new =
      Post("/backups/" + backup + "/restore", R"({"restore": {"name": "restored"}})");
  ASSERT_EQ(to_new.status, 202) << to_new.Describe();
  nlohmann::json r = to_new.Json()["restore"];
  EXPECT_EQ(r["backup_id"], backup);
  EXPECT_EQ(r["volume_name"], "restored");
  std::string restored = r["volume_id"];
  EXPECT_EQ(WaitBackup(backup, "restoring")["status"], "available");
  EXPECT_EQ(WaitVolume(restored, "restoring-backup")["status"], "available");

  std::string target = ApiVolume(1, "target");
  HttpResponse to_existing =
      Post("/backups/" + backup + "/restore", R"({"restore": {"volume_id": ")" + target + R"("}})");
  ASSERT_EQ(to_existing.status, 202) << to_existing.Describe();
  EXPECT_EQ(to_existing.Json()["restore"]["volume_id"], target);
  EXPECT_EQ(WaitBackup(backup, "restoring")["status"], "available");
  EXPECT_EQ(WaitVolume(target, "restoring-backup")["status"], "available");

  // Both hold the source's bytes.
  auto read = [&](const std::string& id) {
    std::ifstream in(daemon_->volumes_dir() + "/volume-" + id, std::ios::binary);
    std::string data(kMiB, '\0');
    in.seekg(3 * kMiB);
    in.read(data.data(), kMiB);
    return data;
  };
  EXPECT_EQ(read(restored), read(volume));
  EXPECT_EQ(read(target), read(volume));

  // A too-small target is refused with a 400 and nothing starts.
  ExpectError(Post("/backups/" + backup + "/restore", R"({"restore": {"volume_id": "x"}})"), 400,
              "badRequest", "restore/volume_id");
}

TEST_F(ApiBackupTest, AdminActionsExportImportResetForceDelete) {
  std::string admin = Token(project_, "admin");
  std::string volume = ApiVolume(1, "v");
  std::string backup = AvailableBackup(volume);

  ExpectError(Get("/backups/" + backup + "/export_record"), 403, "forbidden", "Policy");
  HttpResponse exported = Get("/backups/" + backup + "/export_record", admin);
  ASSERT_EQ(exported.status, 200) << exported.Describe();
  nlohmann::json record = exported.Json()["backup-record"];
  EXPECT_EQ(record["backup_service"], "posix");
  EXPECT_FALSE(record.value("backup_url", "").empty());

  // reset-status: member 403, bad status 400, admin 202.
  std::string reset_error = R"({"os-reset_status": {"status": "error"}})";
  ExpectError(Post("/backups/" + backup + "/action", reset_error), 403, "forbidden", "Policy");
  ExpectError(
      Post("/backups/" + backup + "/action", R"({"os-reset_status": {"status": "x"}})", admin), 400,
      "badRequest", "available");
  ExpectError(Post("/backups/" + backup + "/action", R"({"os-unknown": {}})", admin), 400,
              "badRequest", "There is no such action");
  EXPECT_EQ(Post("/backups/" + backup + "/action", reset_error, admin).status, 202);
  EXPECT_EQ(Get("/backups/" + backup).Json()["backup"]["status"], "error");
  ExpectError(Get("/backups/" + backup + "/export_record", admin), 400, "badRequest", "available");
  EXPECT_EQ(Post("/backups/" + backup + "/action",
                 R"({"os-reset_status": {"status": "available"}})", admin)
                .status,
            202);

  // Import of a backup that still exists here is refused (409, the id is taken).
  std::string import_body = nlohmann::json{{"backup-record", record}}.dump();
  ExpectError(Post("/backups/import_record", import_body, admin), 409, "conflictingRequest",
              "already exists");
  ExpectError(Post("/backups/" + backup + "/action", R"({"os-force_delete": {}})"), 403,
              "forbidden", "Policy");
  EXPECT_EQ(Post("/backups/" + backup + "/action", R"({"os-force_delete": {}})", admin).status,
            202);
  EXPECT_TRUE(WaitBackup(backup, "deleting").contains("itemNotFound"));
}

// export_record on one installation, import_record on another that reaches the same store (a
// database of its own): the backup comes back with its id, available, and a second import of the
// same record is refused. (Unlike Cinder, a deleted backup is not revived on the installation
// that deleted it: our import refuses an id used before.)
TEST_F(ApiBackupTest, ExportThenImportIntoAnotherInstallation) {
  std::string store = "/tmp/bb_api_store_" + NewUuid().substr(0, 8);
  std::filesystem::create_directories(store);
  BackupdOptions options;
  options.store_dir = store;
  StopDaemon();
  StartDaemon(options);
  std::string admin = Token(project_, "admin");
  std::string volume = ApiVolume(1, "moved");
  WritePatternToFile(daemon_->volumes_dir() + "/volume-" + volume, 0, kMiB, 5);
  std::string backup = AvailableBackup(volume, R"(, "name": "carried")");
  HttpResponse exported = Get("/backups/" + backup + "/export_record", admin);
  ASSERT_EQ(exported.status, 200) << exported.Describe();
  std::string body = nlohmann::json{{"backup-record", exported.Json()["backup-record"]}}.dump();

  auto db = TestDatabase::Create(std::getenv("BB_TEST_PG_CONNINFO"));
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto other = BackupdProcess::Start(BB_BACKUPD_PATH, (*db)->conninfo(), BB_SCHEMA_DIR, options);
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  CliRun made =
      RunBackupctl((*other)->endpoint(), project_, (*other)->operator_token_file(),
                   {"token", "create", "--project", project_, "--role", "admin", "--json"},
                   std::chrono::seconds(60));
  ASSERT_EQ(made.code, 0) << made.Describe();
  std::vector<std::string> headers = {"X-Auth-Token: " + made.Json().value("token", ""),
                                      "OpenStack-API-Version: volume 3.64"};
  std::string base = (*other)->api_url() + "/v3/" + project_;
  HttpResponse imported = HttpRequest("POST", base + "/backups/import_record", headers, body);
  ASSERT_EQ(imported.status, 201) << imported.Describe();
  EXPECT_EQ(imported.Json()["backup"]["id"], backup);
  EXPECT_EQ(imported.Json()["backup"]["name"], "carried");
  nlohmann::json shown = HttpRequest("GET", base + "/backups/" + backup, headers).Json();
  EXPECT_EQ(shown["backup"]["status"], "available") << shown.dump();
  HttpResponse again = HttpRequest("POST", base + "/backups/import_record", headers, body);
  EXPECT_EQ(again.status, 409) << again.Describe();
  // A record that is not one: 400 and nothing is imported.
  HttpResponse junk = HttpRequest(
      "POST", base + "/backups/import_record", headers,
      R"({"backup-record": {"backup_service": "posix", "backup_url": "bm90IGpzb24="}})");
  EXPECT_EQ(junk.status, 400) << junk.Describe();
  other->reset();
  std::error_code ec;
  std::filesystem::remove_all(store, ec);
}

// Attachments and the force rule: root for the loop device.
TEST_F(ApiBackupTest, AttachInUseBackupNeedsForceDetach) {
  if (geteuid() != 0) GTEST_SKIP() << "attaching a volume needs root (loop devices)";
  std::string volume = ApiVolume(1, "attached");
  std::string instance = NewUuid();
  ExpectError(Post("/attachments", R"({"attachment": {"volume_uuid": ")" + volume +
                                       R"(", "instance_uuid": ")" + instance + R"("}})"),
              400, "badRequest", "connector");
  HttpResponse att = Post("/attachments", R"({"attachment": {"volume_uuid": ")" + volume +
                                              R"(", "instance_uuid": ")" + instance +
                                              R"(", "connector": {"host": "h"}, "mode": "rw"}})");
  ASSERT_EQ(att.status, 200) << att.Describe();
  nlohmann::json a = att.Json()["attachment"];
  EXPECT_EQ(a["status"], "attached");
  EXPECT_EQ(a["instance"], instance);
  EXPECT_EQ(a["connection_info"]["driver_volume_type"], "local");
  EXPECT_EQ(a["connection_info"]["data"]["device_path"].get<std::string>().rfind("/dev/loop", 0),
            0u);
  std::string attachment = a["id"];
  EXPECT_EQ(Post("/attachments/" + attachment + "/action", R"({"os-complete": null})").status, 204);
  nlohmann::json v = Get("/volumes/" + volume).Json()["volume"];
  EXPECT_EQ(v["status"], "in-use");
  EXPECT_EQ(v["attachments"][0]["attachment_id"], attachment);
  EXPECT_EQ(Get("/attachments/" + attachment).Json()["attachment"]["volume_id"], volume);

  ExpectError(PostBackup(volume), 400, "badRequest",
              "Backing up an in-use volume must use the force flag.");
  // Another project cannot see or delete the attachment.
  std::string other_project = project_ + "_o";
  std::string other = Token(other_project, "member");
  ExpectError(Call("DELETE", "/attachments/" + attachment, other, "", "3.64", other_project), 404,
              "itemNotFound", "not found");

  HttpResponse detached = Call("DELETE", "/attachments/" + attachment, member_);
  EXPECT_EQ(detached.status, 200) << detached.Describe();
  EXPECT_EQ(detached.Json()["attachments"].size(), 0u);
  EXPECT_EQ(Get("/volumes/" + volume).Json()["volume"]["status"], "available");
}

// On a reflink XFS a forced backup of the attached volume reads a temporary snapshot.
TEST_F(ApiOnXfsTest, ForcedBackupOfAnAttachedVolume) {
  std::string volume = ApiVolume(1, "busy");
  HttpResponse att = Post("/attachments", R"({"attachment": {"volume_uuid": ")" + volume +
                                              R"(", "instance_uuid": ")" + NewUuid() +
                                              R"(", "connector": {"host": "h"}}})");
  ASSERT_EQ(att.status, 200) << att.Describe();
  ExpectError(Post("/backups", R"({"backup": {"volume_id": ")" + volume + R"("}})"), 400,
              "badRequest", "Backing up an in-use volume must use the force flag.");
  HttpResponse forced =
      Post("/backups", R"({"backup": {"volume_id": ")" + volume + R"(", "force": "true"}})");
  ASSERT_EQ(forced.status, 202) << forced.Describe();
  nlohmann::json done = WaitBackup(forced.Json()["backup"]["id"], "creating");
  EXPECT_EQ(done["status"], "available") << done.dump();
  EXPECT_EQ(Get("/volumes/" + volume).Json()["volume"]["status"], "in-use");
  // Snapshots of the attached volume need force too.
  ExpectError(Post("/snapshots", R"({"snapshot": {"volume_id": ")" + volume + R"("}})"), 400,
              "badRequest", "Snapshot of an in-use volume must use the force flag.");
  HttpResponse snap =
      Post("/snapshots", R"({"snapshot": {"volume_id": ")" + volume + R"(", "force": true}})");
  ASSERT_EQ(snap.status, 202) << snap.Describe();
  // A backup of that snapshot (snapshot_id).
  HttpResponse of_snapshot =
      Post("/backups", R"({"backup": {"volume_id": ")" + volume + R"(", "snapshot_id": ")" +
                           snap.Json()["snapshot"].value("id", "") + R"("}})");
  ASSERT_EQ(of_snapshot.status, 202) << of_snapshot.Describe();
  nlohmann::json from_snap = WaitBackup(of_snapshot.Json()["backup"]["id"], "creating");
  EXPECT_EQ(from_snap["status"], "available") << from_snap.dump();
  EXPECT_EQ(from_snap["snapshot_id"], snap.Json()["snapshot"]["id"]);
  std::string attachment = att.Json()["attachment"]["id"];
  EXPECT_EQ(Call("DELETE", "/attachments/" + attachment, member_).status, 200);
}

}  // namespace
}  // namespace bb::it
