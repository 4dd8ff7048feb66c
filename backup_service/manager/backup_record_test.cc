#include "backup_service/manager/backup_record.h"

#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>

#include "backup_service/common/base64.h"

namespace bb {
namespace {

using Json = nlohmann::ordered_json;

Backup Sample() {
  Backup b;
  b.id = "11111111-2222-4333-8444-555555555555";
  b.project_id = "proj_1";
  b.volume_id = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
  b.parent_id = "99999999-8888-4777-8666-555555555555";
  b.name = "nightly";
  b.description = "before the upgrade";
  b.status = BackupStatus::kAvailable;
  b.container = "backups";
  b.manifest_object = "manifests/11111111-2222-4333-8444-555555555555.json";
  b.host = "node-7.example";
  b.size_gib = 3;
  b.object_count = 12;
  b.stored_bytes = 4567;
  b.data_timestamp = 1700000000123456;
  b.created_at = 1700000000000001;
  // Host-specific and transient fields that must never travel in a record.
  b.temp_snapshot_id = "12121212-3434-4565-8787-909090909090";
  b.temp_volume_id = "34343434-5656-4787-8989-010101010101";
  b.source_device = "/var/lib/volumes/snapshot-secret-path";
  b.source_reason = "temporary snapshot";
  b.fail_reason = "x";
  return b;
}

Json DocumentOf(const BackupRecordWire& w) {
  auto text = Base64Decode("backup_url", w.backup_url);
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  return text.ok() ? Json::parse(*text) : Json();
}

BackupRecordWire WithDocument(const Json& j, std::string service = "posix") {
  return {std::move(service), Base64Encode(j.dump())};
}

// Decodes a record whose document was edited by `edit`; expects INVALID_ARGUMENT mentioning
// `message`.
void ExpectRefused(const std::function<void(Json&)>& edit, const std::string& message) {
  Json j = DocumentOf(EncodeBackupRecord(Sample(), "posix"));
  edit(j);
  auto r = DecodeBackupRecord(WithDocument(j));
  ASSERT_FALSE(r.ok()) << "accepted: " << j.dump();
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().ToString();
  EXPECT_NE(r.status().message().find(message), std::string::npos)
      << r.status().message() << "\nexpected to mention: " << message;
}

TEST(BackupRecordTest, RoundTripKeepsWhatARestoreNeeds) {
  Backup b = Sample();
  BackupRecordWire w = EncodeBackupRecord(b, "posix");
  EXPECT_EQ(w.backup_service, "posix");
  auto r = DecodeBackupRecord(w);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->store_kind, "posix");
  const Backup& d = r->backup;
  EXPECT_EQ(d.id, b.id);
  EXPECT_EQ(d.project_id, b.project_id);
  EXPECT_EQ(d.volume_id, b.volume_id);
  EXPECT_EQ(d.snapshot_id, "");
  EXPECT_EQ(d.parent_id, b.parent_id);
  EXPECT_EQ(d.name, b.name);
  EXPECT_EQ(d.description, b.description);
  EXPECT_EQ(d.container, b.container);
  EXPECT_EQ(d.manifest_object, b.manifest_object);
  EXPECT_EQ(d.size_gib, b.size_gib);
  EXPECT_EQ(d.object_count, b.object_count);
  EXPECT_EQ(d.stored_bytes, b.stored_bytes);
  EXPECT_EQ(d.data_timestamp, b.data_timestamp);
  EXPECT_EQ(d.created_at, b.created_at);
  // The importer decides these; nothing host-specific comes across.
  EXPECT_EQ(d.host, "");
  EXPECT_EQ(d.temp_snapshot_id, "");
  EXPECT_EQ(d.temp_volume_id, "");
  EXPECT_EQ(d.source_device, "");
  EXPECT_EQ(d.fail_reason, "");
}

TEST(BackupRecordTest, DocumentIsVersionedAndCarriesFormatVersions) {
  Json j = DocumentOf(EncodeBackupRecord(Sample(), "posix"));
  EXPECT_EQ(j["record_version"], 1);
  EXPECT_EQ(j["store"], "posix");
  EXPECT_EQ(j["storage_format"], "chunked-v1");
  EXPECT_EQ(j["manifest_format"], "bb-backup-manifest");
  EXPECT_EQ(j["manifest_version"], 1);
}

TEST(BackupRecordTest, NoSecretsTemporariesOrHostPaths) {
  BackupRecordWire w = EncodeBackupRecord(Sample(), "posix");
  Json j = DocumentOf(w);
  for (const char* key : {"host", "temp_snapshot_id", "temp_volume_id", "source_device",
                          "source_reason", "provider_auth", "provider_location", "password",
                          "token", "key", "secret", "fail_reason", "restore_volume_id"}) {
    EXPECT_FALSE(j.contains(key)) << key;
  }
  std::string text = j.dump();
  for (const char* value : {"node-7.example", "/var/lib", "12121212-3434", "34343434-5656"}) {
    EXPECT_EQ(text.find(value), std::string::npos) << value << " leaked into " << text;
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    for (const char* word : {"auth", "secret", "password", "token", "credential"}) {
      EXPECT_EQ(it.key().find(word), std::string::npos) << it.key();
    }
  }
}

TEST(BackupRecordTest, TruncatedRecordsAreRefusedClearly) {
  BackupRecordWire w = EncodeBackupRecord(Sample(), "posix");
  // Cut at a length that is not a multiple of 4: not base64.
  BackupRecordWire cut = w;
  cut.backup_url = w.backup_url.substr(0, w.backup_url.size() / 2 + 1);
  if (cut.backup_url.size() % 4 == 0) cut.backup_url.pop_back();
  auto r = DecodeBackupRecord(cut);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("truncated"), std::string::npos) << r.status().message();
  // Cut at a multiple of 4: valid base64 of half a JSON document.
  cut.backup_url = w.backup_url.substr(0, w.backup_url.size() / 2 / 4 * 4);
  r = DecodeBackupRecord(cut);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("truncated"), std::string::npos) << r.status().message();
  cut.backup_url = "";
  EXPECT_EQ(DecodeBackupRecord(cut).status().code(), StatusCode::kInvalidArgument);
}

TEST(BackupRecordTest, NonBase64AndNonObjectDocumentsAreRefused) {
  BackupRecordWire w = EncodeBackupRecord(Sample(), "posix");
  w.backup_url[5] = '*';
  EXPECT_EQ(DecodeBackupRecord(w).status().code(), StatusCode::kInvalidArgument);
  auto array = DecodeBackupRecord({"posix", Base64Encode("[1,2]")});
  ASSERT_FALSE(array.ok());
  EXPECT_NE(array.status().message().find("JSON object"), std::string::npos);
  auto empty_service = DecodeBackupRecord({"", EncodeBackupRecord(Sample(), "posix").backup_url});
  ASSERT_FALSE(empty_service.ok());
  EXPECT_NE(empty_service.status().message().find("backup_service"), std::string::npos);
}

TEST(BackupRecordTest, UnknownRecordVersionIsRefused) {
  ExpectRefused([](Json& j) { j["record_version"] = 2; },
                "record_version 2 is not supported; this installation reads version 1");
  ExpectRefused([](Json& j) { j["record_version"] = 0; }, "record_version 0 is not supported");
  ExpectRefused([](Json& j) { j["record_version"] = "1"; },
                "\"record_version\" must be an integer");
  ExpectRefused([](Json& j) { j.erase("record_version"); }, "missing field \"record_version\"");
}

TEST(BackupRecordTest, EveryFieldIsRequiredWithItsType) {
  Json j = DocumentOf(EncodeBackupRecord(Sample(), "posix"));
  for (auto it = j.begin(); it != j.end(); ++it) {
    std::string key = it.key();
    if (key == "record_version") continue;  // its own messages, above
    ExpectRefused([&](Json& d) { d.erase(key); }, "missing field \"" + key + "\"");
    bool is_string = it->is_string();
    ExpectRefused([&](Json& d) { d[key] = is_string ? Json(7) : Json("7"); },
                  "field \"" + key + "\" must be " + (is_string ? "a string" : "an integer"));
  }
}

TEST(BackupRecordTest, FieldValuesAreValidated) {
  ExpectRefused([](Json& j) { j["id"] = "not-a-uuid"; }, "id 'not-a-uuid' is not a UUID");
  ExpectRefused([](Json& j) { j["volume_id"] = ""; }, "volume_id is required");
  ExpectRefused([](Json& j) { j["parent_id"] = "1234"; }, "parent_id '1234' is not a UUID");
  ExpectRefused([](Json& j) { j["snapshot_id"] = "x"; }, "snapshot_id 'x' is not a UUID");
  ExpectRefused([](Json& j) { j["parent_id"] = j["id"]; }, "parent_id names the backup itself");
  ExpectRefused([](Json& j) { j["project_id"] = "../other"; }, "project_id must be 1 to 64");
  ExpectRefused([](Json& j) { j["project_id"] = ""; }, "project_id must be 1 to 64");
  ExpectRefused([](Json& j) { j["container"] = "../../etc"; }, "container");
  ExpectRefused([](Json& j) { j["container"] = ""; }, "container must be 1 to 255");
  ExpectRefused([](Json& j) { j["name"] = std::string(256, 'n'); }, "name is 256 bytes long");
  ExpectRefused([](Json& j) { j["description"] = "a\nb"; }, "control characters");
  ExpectRefused([](Json& j) { j["manifest_object"] = "manifests/other.json"; },
                "manifest_object must be 'manifests/11111111-2222-4333-8444-555555555555.json'");
  ExpectRefused([](Json& j) { j["size_gib"] = 0; }, "\"size_gib\" must be between 1 and");
  ExpectRefused([](Json& j) { j["size_gib"] = -4; }, "\"size_gib\" must be between 1 and");
  ExpectRefused([](Json& j) { j["size_gib"] = 1.5; }, "\"size_gib\" must be an integer");
  ExpectRefused([](Json& j) { j["stored_bytes"] = -1; }, "\"stored_bytes\" must be between 0");
  ExpectRefused([](Json& j) { j["object_count"] = 18446744073709551615ull; },
                "\"object_count\" must be between 0");
  ExpectRefused([](Json& j) { j["storage_format"] = "chunked-v2"; },
                "\"storage_format\" is 'chunked-v2'; this installation reads 'chunked-v1'");
  ExpectRefused([](Json& j) { j["manifest_version"] = 2; }, "manifest_version 2 is not supported");
  ExpectRefused([](Json& j) { j["manifest_format"] = "other"; }, "\"manifest_format\" is 'other'");
  ExpectRefused([](Json& j) { j["provider_auth"] = "secret"; },
                "unknown field \"provider_auth\" in a version 1 record");
}

TEST(BackupRecordTest, ServiceMustMatchTheStoreInsideTheRecord) {
  BackupRecordWire w = EncodeBackupRecord(Sample(), "posix");
  w.backup_service = "swift";
  auto r = DecodeBackupRecord(w);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("does not match the store named inside the record"),
            std::string::npos)
      << r.status().message();
}

TEST(BackupRecordTest, OversizedRecordIsRefusedBeforeDecoding) {
  BackupRecordWire w{"posix", std::string(100 * 1024, 'A')};
  auto r = DecodeBackupRecord(w);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("at most"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace bb
