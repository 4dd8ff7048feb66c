// backupctl backup export / import against the real daemon: a backup carried to a fresh
// installation (new database, same object store) restores bit-exact, and every bad record or
// wrong state is refused with a clear error and changes nothing.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "backup_service/common/base64.h"
#include "tests/integration/backupctl_fixture.h"

namespace bb::it {
namespace {

using nlohmann::json;

class BackupctlRecordTest : public BackupctlTest {
 protected:
  void SetUp() override {
    BackupctlTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    char dir_template[] = "/tmp/bb_record_it_XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    scratch_ = dir_template;
  }

  void TearDown() override {
    BackupctlTest::TearDown();
    if (!scratch_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(scratch_, ec);
    }
  }

  // Stops the current daemon (as the fixture's TearDown does) and drops the stubs.
  void StopDaemon() {
    volumes_.reset();
    backups_.reset();
    auto code = daemon_->Stop(std::chrono::seconds(120));
    ASSERT_TRUE(code.ok()) << code.status().ToString() << "\nlog:\n" << daemon_->Log();
    EXPECT_EQ(*code, 0) << daemon_->Log();
    daemon_.reset();  // removes its work directory (volumes included)
  }

  // A new installation: a daemon on database `conninfo` whose posix store is `store_dir`.
  void StartDaemon(const std::string& conninfo, const std::string& store_dir) {
    if (daemon_) StopDaemon();
    BackupdOptions options;
    options.store_dir = store_dir;
    auto daemon = BackupdProcess::Start(BB_BACKUPD_PATH, conninfo, BB_SCHEMA_DIR, options);
    ASSERT_TRUE(daemon.ok()) << daemon.status().ToString();
    daemon_ = std::move(daemon).value();
    auto channel = grpc::CreateChannel(daemon_->endpoint(), grpc::InsecureChannelCredentials());
    volumes_ = v1::VolumeService::NewStub(channel);
    backups_ = v1::BackupService::NewStub(channel);
  }

  std::string WriteScratch(const std::string& name, const std::string& content) {
    std::string path = scratch_ + "/" + name;
    std::ofstream out(path, std::ios::binary);
    out << content;
    EXPECT_TRUE(out.good()) << path;
    return path;
  }

  // `backup export` (without --json: the output is JSON anyway) parsed; fails the test if not.
  json Export(const std::string& backup_id) {
    CliRun run = Cli({"backup", "export", backup_id});
    EXPECT_EQ(run.code, 0) << run.Describe();
    json record = run.Json();
    EXPECT_TRUE(record.is_object()) << run.Describe();
    if (!record.is_object()) return json::object();
    EXPECT_EQ(record.size(), 2u) << run.out;
    EXPECT_EQ(record["backup_service"], "posix");
    EXPECT_TRUE(record["backup_url"].is_string());
    return record;
  }

  // The record with its JSON document (inside backup_url) changed by `edit`.
  static json EditDocument(json record, const std::function<void(json&)>& edit) {
    auto text = Base64Decode("backup_url", record["backup_url"].get<std::string>());
    EXPECT_TRUE(text.ok()) << text.status().ToString();
    if (!text.ok()) return record;
    json doc = json::parse(*text);
    edit(doc);
    record["backup_url"] = Base64Encode(doc.dump());
    return record;
  }

  // What a tenant sees of the project's backups (ids, statuses, every field).
  // The listed backups (ids and statuses) as JSON text, for before/after comparisons.
  std::string ListedBackups(const std::string& project = "") {
    CliRun run = Cli({"--json", "backup", "list"}, As::kTenant, project);
    EXPECT_EQ(run.code, 0) << run.Describe();
    return run.Json()["backups"].dump();
  }

  // Imports `record` (written to a file) and expects a refusal that changes no listing.
  void ExpectImportRefused(const json& record, const std::string& code, const std::string& message,
                           const std::string& project = "") {
    std::string before = ListedBackups(project);
    std::string path = WriteScratch("record-" + NewUuid() + ".json", record.dump());
    ExpectRefused(Cli({"backup", "import", path}, As::kTenant, project), code, message);
    EXPECT_EQ(ListedBackups(project), before) << "a refused import changed the backup list";
  }

  static void ExpectSameFiles(const std::string& path_a, const std::string& path_b) {
    std::ifstream a(path_a, std::ios::binary), b(path_b, std::ios::binary);
    ASSERT_TRUE(a.good()) << path_a;
    ASSERT_TRUE(b.good()) << path_b;
    std::vector<char> buf_a(4 * kMiB), buf_b(4 * kMiB);
    for (int64_t offset = 0;; offset += static_cast<int64_t>(buf_a.size())) {
      a.read(buf_a.data(), static_cast<std::streamsize>(buf_a.size()));
      b.read(buf_b.data(), static_cast<std::streamsize>(buf_b.size()));
      ASSERT_EQ(a.gcount(), b.gcount()) << "sizes differ at offset " << offset;
      if (a.gcount() == 0) break;
      ASSERT_EQ(std::memcmp(buf_a.data(), buf_b.data(), static_cast<size_t>(a.gcount())), 0)
          << "content differs in the 4 MiB block at offset " << offset;
    }
  }

  std::string scratch_;
};

TEST_F(BackupctlRecordTest, ExportDropDatabaseImportRestoresBitExact) {
  const std::string admin = std::getenv("BB_TEST_PG_CONNINFO");
  // The store outlives both installations; each daemon's own work directory does not.
  const std::string store = scratch_ + "/store";
  std::filesystem::create_directories(store);
  auto first_db = TestDatabase::Create(admin);
  ASSERT_TRUE(first_db.ok()) << first_db.status().ToString();
  StartDaemon((*first_db)->conninfo(), store);

  v1::Volume volume = CreateVolume(1, "record-source");
  WritePattern(volume.id(), 0, 3 * kMiB + 17, 21);
  WritePattern(volume.id(), 600 * kMiB + 4096, 2 * kMiB, 22);
  CliRun created = Cli({"--json", "backup", "create", volume.id(), "--name", "moved",
                        "--description", "carried to another installation", "--wait"});
  ASSERT_EQ(created.code, 0) << created.Describe();
  json original = created.Json();
  ASSERT_EQ(original["status"], "available") << created.Describe();
  const std::string id = original["id"];
  json record = Export(id);
  const std::string record_file = WriteScratch("record.json", record.dump(2));
  // The record names no host path: neither the store nor the volumes directory.
  std::string document = *Base64Decode("backup_url", record["backup_url"].get<std::string>());
  EXPECT_EQ(document.find(store), std::string::npos) << document;
  EXPECT_EQ(document.find(daemon_->volumes_dir()), std::string::npos) << document;
  // The default format (v2) as the README's "Versioning" says it is recorded.
  json doc = json::parse(document);
  EXPECT_EQ(doc["storage_format"], "packed-v2");
  EXPECT_EQ(doc["manifest_version"], 2);
  EXPECT_EQ(doc["manifest_object"], "manifests/" + id + ".bbm");
  // Kept before the first installation goes away with its volumes.
  const std::string original_image = scratch_ + "/original.img";
  SystemCommandRunner runner;
  auto copied =
      RunChecked(runner, {"cp", "--sparse=always", VolumeFile(volume.id()), original_image});
  ASSERT_TRUE(copied.ok()) << copied.status().ToString();

  StopDaemon();
  first_db->reset();  // DROP DATABASE: nothing of the first installation's records is left
  auto second_db = TestDatabase::Create(admin);
  ASSERT_TRUE(second_db.ok()) << second_db.status().ToString();
  StartDaemon((*second_db)->conninfo(), store);
  ExpectRefused(Cli({"backup", "show", id}), "NOT_FOUND", "not found");

  CliRun imported = Cli({"--json", "backup", "import", record_file});
  ASSERT_EQ(imported.code, 0) << imported.Describe();
  json backup = imported.Json();
  EXPECT_EQ(backup["id"], id);
  EXPECT_EQ(backup["status"], "available");
  EXPECT_EQ(backup["project_id"], project_);
  for (const char* field : {"volume_id", "name", "description", "size_gib", "container",
                            "object_count", "stored_bytes", "data_timestamp_us", "created_at_us"}) {
    EXPECT_EQ(backup[field], original[field]) << field;
  }
  CliRun shown = Cli({"--json", "backup", "show", id});
  ASSERT_EQ(shown.code, 0) << shown.Describe();
  EXPECT_EQ(shown.Json()["status"], "available");

  CliRun restored = Cli({"--json", "backup", "restore", id, "--name", "moved-back", "--wait"});
  ASSERT_EQ(restored.code, 0) << restored.Describe();
  EXPECT_EQ(restored.Json()["status"], "available") << restored.Describe();
  std::string target = restored.Json()["volume_id"];
  ExpectSameFiles(original_image, VolumeFile(target));

  // A second import of the same record on this installation: the id is taken now.
  ExpectImportRefused(record, "ALREADY_EXISTS", "already exists in this installation");
}

TEST_F(BackupctlRecordTest, BadRecordsAreRefusedAndChangeNothing) {
  v1::Volume volume = CreateVolume(1, "record-errors");
  WritePattern(volume.id(), 0, 2 * kMiB, 31);
  v1::Backup backup = BackupAndWait(volume.id());
  json record = Export(backup.id());
  std::string url = record["backup_url"];
  // The manifest's name ends by format: .bbm (v2, the default) or .json (v1).
  std::string suffix;
  EditDocument(record,
               [&](json& d) { suffix = d["storage_format"] == "packed-v2" ? ".bbm" : ".json"; });

  json truncated = record;
  truncated["backup_url"] = url.substr(0, url.size() / 2 / 4 * 4 + 1);  // not a multiple of 4
  ExpectImportRefused(truncated, "INVALID_ARGUMENT", "was it truncated?");
  truncated["backup_url"] = url.substr(0, url.size() / 2 / 4 * 4);  // base64 of half a document
  ExpectImportRefused(truncated, "INVALID_ARGUMENT", "was the record truncated?");

  ExpectImportRefused(EditDocument(record, [](json& d) { d["record_version"] = 2; }),
                      "INVALID_ARGUMENT",
                      "record_version 2 is not supported; this installation reads version 1");
  json swift = record;
  swift["backup_service"] = "swift";
  ExpectImportRefused(swift, "INVALID_ARGUMENT",
                      "unknown store 'swift' in the backup record: this installation uses store "
                      "'posix'");
  ExpectImportRefused(EditDocument(record, [](json& d) { d.erase("container"); }),
                      "INVALID_ARGUMENT", "missing field \"container\"");
  ExpectImportRefused(EditDocument(record, [](json& d) { d["volume_id"] = "nope"; }),
                      "INVALID_ARGUMENT", "volume_id 'nope' is not a UUID");
  ExpectImportRefused(EditDocument(record, [](json& d) { d["manifest_object"] = "../../x"; }),
                      "INVALID_ARGUMENT", "manifest_object must be 'manifests/" + backup.id());

  // The record as exported, on the installation that still has the backup.
  ExpectImportRefused(record, "ALREADY_EXISTS", "backup " + backup.id() + " already exists");

  // A backup this installation's store has never seen: no manifest under that id.
  std::string unknown_id = NewUuid();
  ExpectImportRefused(EditDocument(record,
                                   [&](json& d) {
                                     d["id"] = unknown_id;
                                     d["manifest_object"] = "manifests/" + unknown_id + suffix;
                                   }),
                      "FAILED_PRECONDITION",
                      "this installation does not reach the object store the backup was written "
                      "to");
  // A record edited to pass another backup's manifest off as its own (a copy of the real one
  // under the new id's name): the manifest names the backup it belongs to.
  std::string copy_id = NewUuid();
  const std::string manifests = daemon_->store_dir() + "/" + project_ + "/backups/manifests/";
  std::filesystem::copy_file(manifests + backup.id() + suffix, manifests + copy_id + suffix);
  ExpectImportRefused(EditDocument(record,
                                   [&](json& d) {
                                     d["id"] = copy_id;
                                     d["manifest_object"] = "manifests/" + copy_id + suffix;
                                   }),
                      "INVALID_ARGUMENT",
                      "does not match its manifest manifests/" + copy_id + suffix +
                          " in the object store: the manifest is of backup " + backup.id());

  // Another project may not import it: its chunks live in this project's namespace.
  std::string other = "it_other_" + NewUuid().substr(0, 8);
  ExpectImportRefused(record, "PERMISSION_DENIED",
                      "the backup record belongs to project " + project_ + ", not " + other, other);
  EXPECT_EQ(ListedBackups(other), "[]");
}

TEST_F(BackupctlRecordTest, RecordFileProblemsAreReportedBeforeAnyCall) {
  // A dead endpoint: any call would fail UNAVAILABLE, so INVALID_ARGUMENT proves no call was made.
  const std::vector<std::string> dead = {"--endpoint", "127.0.0.1:1"};
  auto import = [&](const std::string& file) {
    std::vector<std::string> args = dead;
    args.insert(args.end(), {"--json", "backup", "import", file});
    return Cli(args);
  };
  CliRun missing = import(scratch_ + "/no-such-record.json");
  ExpectRefused(missing, "INVALID_ARGUMENT", "cannot read the record file");
  EXPECT_NE(missing.err.find("{\"error\":{\"code\":\"INVALID_ARGUMENT\""), std::string::npos)
      << missing.Describe();
  ExpectRefused(import(WriteScratch("garbage.json", "backup_service=posix\n")), "INVALID_ARGUMENT",
                "is not a JSON object (expected the output of 'backupctl backup export");
  ExpectRefused(import(WriteScratch("half.json", "{\"backup_service\": \"posix\", \"backu")),
                "INVALID_ARGUMENT", "is not a JSON object");
  ExpectRefused(import(WriteScratch("no-url.json", "{\"backup_service\": \"posix\"}")),
                "INVALID_ARGUMENT", "has no \"backup_url\" string");
  ExpectRefused(
      import(WriteScratch("number.json", "{\"backup_service\": 1, \"backup_url\": \"\"}")),
      "INVALID_ARGUMENT", "has no \"backup_service\" string");
  ExpectRefused(import(WriteScratch("huge.json", std::string(2 * kMiB, ' '))), "INVALID_ARGUMENT",
                "is larger than 1 MiB");
  CliRun usage = Cli({"backup", "import"});
  EXPECT_EQ(usage.code, 2) << usage.Describe();
  EXPECT_NE(usage.err.find("missing FILE"), std::string::npos) << usage.Describe();
}

TEST_F(BackupctlRecordTest, ImportFromStdinOfADeletedBackupIsRefused) {
  v1::Volume volume = CreateVolume(1, "record-stdin");
  v1::Backup backup = BackupAndWait(volume.id());
  json record = Export(backup.id());
  // Delete it (its manifest goes) and import the record again: refused, the id stays taken.
  CliRun deleted = Cli({"--json", "backup", "delete", backup.id(), "--wait"});
  ASSERT_EQ(deleted.code, 0) << deleted.Describe();
  std::string path = WriteScratch("record.json", record.dump());
  SystemCommandRunner runner;
  std::string command = std::string(BB_BACKUPCTL_PATH) + " --endpoint " + daemon_->endpoint() +
                        " --project " + project_ + " backup import - < " + path;
  auto run = runner.Run({"sh", "-c", command});
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->exit_code, 1) << run->out << run->err;
  EXPECT_NE(run->err.find("error: ALREADY_EXISTS: backup " + backup.id() +
                          " already exists in this installation (status deleted)"),
            std::string::npos)
      << run->err;
  EXPECT_EQ(ListedBackups(), "[]");
}

TEST_F(BackupctlRecordTest, ExportNeedsAnAvailableBackup) {
  ExpectRefused(Cli({"backup", "export", "not-a-uuid"}), "INVALID_ARGUMENT", "backup_id");
  ExpectRefused(Cli({"backup", "export", NewUuid()}), "NOT_FOUND", "not found");
  // A backup whose source vanished ends in error.
  v1::Volume volume = CreateVolume(1, "record-error");
  ASSERT_EQ(unlink(VolumeFile(volume.id()).c_str()), 0);
  v1::CreateBackupRequest request;
  request.set_volume_id(volume.id());
  v1::Backup created;
  grpc::Status s = backups_->CreateBackup(Ctx().get(), request, &created);
  ASSERT_TRUE(s.ok()) << s.error_message();
  v1::Backup failed = WaitWhile(created.id(), "creating");
  ASSERT_EQ(failed.status(), "error");
  CliRun run = Cli({"--json", "backup", "export", created.id()});
  ExpectRefused(run, "FAILED_PRECONDITION",
                "Backup status must be available to export its record, but it is error");
  EXPECT_EQ(run.out, "") << "a refused export printed a record";
}

}  // namespace
}  // namespace bb::it
