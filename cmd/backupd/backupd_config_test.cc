// Tests for the backupd config parser: file syntax, flags, defaults, validation.
#include "cmd/backupd/backupd_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <string>

#include "cmd/backupd/backupd_config_testing.h"

namespace bb {
namespace {

using testing_config::Required;

TEST(BackupdConfigTest, ParsesKeyValueLinesCommentsAndBlanks) {
  ConfigValues values;
  Status s = ParseConfigText(
      "# backupd\n\n  listen = 127.0.0.1:0  \ndatabase=host=/run dbname=bb password=a#b\n"
      "   # indented comment\nchunk_size_mib = 8",
      "test.conf", &values);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(values["listen"], "127.0.0.1:0");
  // Split at the first '=', and a '#' inside a value is part of it.
  EXPECT_EQ(values["database"], "host=/run dbname=bb password=a#b");
  EXPECT_EQ(values["chunk_size_mib"], "8");
  EXPECT_EQ(values.size(), 3u);
}

TEST(BackupdConfigTest, UnknownKeyInFileIsNamedWithLine) {
  ConfigValues values;
  Status s = ParseConfigText("listen = x:1\nlistn = y\n", "b.conf", &values);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("b.conf:2"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("'listn'"), std::string::npos) << s.message();
}

TEST(BackupdConfigTest, LineWithoutEqualsIsAnError) {
  ConfigValues values;
  Status s = ParseConfigText("listen 127.0.0.1:1\n", "c.conf", &values);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("c.conf:1"), std::string::npos);
}

TEST(BackupdConfigTest, FlagsInBothForms) {
  std::string config_path;
  ConfigValues overrides;
  bool help = false;
  Status s =
      ParseFlags({"--config", "/etc/bb.conf", "--listen=127.0.0.1:0", "--log_level", "debug"},
                 &config_path, &overrides, &help);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(config_path, "/etc/bb.conf");
  EXPECT_EQ(overrides["listen"], "127.0.0.1:0");
  EXPECT_EQ(overrides["log_level"], "debug");
  EXPECT_FALSE(help);
}

TEST(BackupdConfigTest, UnknownFlagAndMissingValue) {
  std::string config_path;
  ConfigValues overrides;
  bool help = false;
  Status s = ParseFlags({"--chunk_size=4"}, &config_path, &overrides, &help);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("'chunk_size'"), std::string::npos) << s.message();
  s = ParseFlags({"--listen"}, &config_path, &overrides, &help);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  s = ParseFlags({"positional"}, &config_path, &overrides, &help);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
}

TEST(BackupdConfigTest, Help) {
  std::string config_path;
  ConfigValues overrides;
  bool help = false;
  ASSERT_TRUE(ParseFlags({"--help"}, &config_path, &overrides, &help).ok());
  EXPECT_TRUE(help);
  EXPECT_NE(BackupdUsage().find("port_file"), std::string::npos);
}

TEST(BackupdConfigTest, Defaults) {
  auto c = ResolveConfig(Required(), "node1");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->listen, "127.0.0.1:8777");
  EXPECT_EQ(c->host, "node1");
  EXPECT_EQ(c->volume_driver, "file");
  EXPECT_EQ(c->object_store, "posix");
  EXPECT_EQ(c->default_container, "backups");
  EXPECT_EQ(c->chunk_size_mib, 4);
  EXPECT_EQ(c->compression_level, 1);  // v2 default; v1 keeps 3
  EXPECT_EQ(c->backup_format, "v2");
  EXPECT_EQ(c->workers_per_job, 2);
  EXPECT_EQ(c->max_concurrent_jobs, 4);
  EXPECT_EQ(c->log_level, LogLevel::kInfo);
  EXPECT_EQ(c->port_file, "");
  // Only what was given reaches the driver; its own defaults apply to the rest.
  EXPECT_EQ(c->volume_driver_options, (std::map<std::string, std::string>{{"volumes_dir", "/v"}}));
  EXPECT_EQ(c->quota_backups, 10);  // Cinder's quota_backups
  EXPECT_EQ(c->quota_backup_gigabytes, 1000);
}

TEST(BackupdConfigTest, QuotaDefaults) {
  ConfigValues v = Required();
  v["quota_backups"] = "-1";
  v["quota_backup_gigabytes"] = "50";
  auto c = ResolveConfig(v, "h");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->quota_backups, -1);
  EXPECT_EQ(c->quota_backup_gigabytes, 50);
}

TEST(BackupdConfigTest, BackupUseTempSnapshot) {
  ConfigValues v = Required();
  auto c = ResolveConfig(v, "h");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->backup_use_temp_snapshot);
  v["backup_use_temp_snapshot"] = "false";
  c = ResolveConfig(v, "h");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_FALSE(c->backup_use_temp_snapshot);
  v["backup_use_temp_snapshot"] = "no";
  EXPECT_NE(ResolveConfig(v, "h").status().message().find(
                "backup_use_temp_snapshot must be true or false, got 'no'"),
            std::string::npos);
}

TEST(BackupdConfigTest, RemoteAttachKeys) {
  ConfigValues v = Required();
  auto c = ResolveConfig(v, "h");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->backup_attach, "auto");
  EXPECT_EQ(c->volume_driver_options.count("target_helper"), 0u);
  EXPECT_EQ(c->my_ip, "127.0.0.1");
  v["backup_attach"] = "remote";
  v["file_driver_target_helper"] = "tgt";
  v["iscsi_initiator_name"] = "iqn.2010-10.org.example:b1";
  c = ResolveConfig(v, "h");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->backup_attach, "remote");
  EXPECT_EQ(c->volume_driver_options.at("target_helper"), "tgt");
  EXPECT_EQ(c->iscsi_initiator_name, "iqn.2010-10.org.example:b1");
  EXPECT_EQ(c->iscsi_initiator, "libiscsi");
  v["iscsi_initiator"] = "iscsiadm";
  c = ResolveConfig(v, "h");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->iscsi_initiator, "iscsiadm");
  v["iscsi_initiator"] = "open-iscsi";
  EXPECT_NE(ResolveConfig(v, "h").status().message().find(
                "iscsi_initiator must be libiscsi or iscsiadm, got 'open-iscsi'"),
            std::string::npos);
  v.erase("iscsi_initiator");
  v["backup_attach"] = "iscsi";
  EXPECT_NE(ResolveConfig(v, "h").status().message().find(
                "backup_attach must be auto, local or remote, got 'iscsi'"),
            std::string::npos);
  v["backup_attach"] = "auto";
  v["file_driver_target_helper"] = "lio";
  EXPECT_NE(ResolveConfig(v, "h").status().message().find(
                "file_driver_target_helper must be none or tgt"),
            std::string::npos);
}

TEST(BackupdConfigTest, FileDriverSnapshotsIsABooleanOfTheFileDriver) {
  ConfigValues v = Required();
  v["file_driver_snapshots"] = "false";
  auto c = ResolveConfig(v, "h");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->volume_driver_options.at("snapshots"), "false");
  v["file_driver_snapshots"] = "true";
  EXPECT_EQ(ResolveConfig(v, "h")->volume_driver_options.at("snapshots"), "true");
  v["file_driver_snapshots"] = "no";
  c = ResolveConfig(v, "h");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("file_driver_snapshots must be true or false, got 'no'"),
            std::string::npos)
      << c.status().message();
  // Meaningless for another driver: refused, not ignored.
  v["file_driver_snapshots"] = "false";
  v["volume_driver"] = "fake";
  c = ResolveConfig(v, "h");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("setting of the file driver"), std::string::npos)
      << c.status().message();
  ConfigValues parsed;
  ASSERT_TRUE(ParseConfigText("file_driver_snapshots = false\n", "f", &parsed).ok());
  EXPECT_EQ(parsed["file_driver_snapshots"], "false");
  EXPECT_NE(BackupdUsage().find("file_driver_snapshots"), std::string::npos);
}

// volume_driver.<key> lines reach the driver unchanged; the file driver's older top-level names
// are aliases of its options.
TEST(BackupdConfigTest, VolumeDriverOptionsPassThroughToTheDriver) {
  ConfigValues parsed;
  ASSERT_TRUE(ParseConfigText("volume_driver.snapshots = false\n"
                              "volume_driver.iscsi_target_prefix = iqn.2010-10.org.example:\n"
                              "volume_driver.fail.CreateSnapshot = UNAVAILABLE\n",
                              "f", &parsed)
                  .ok());
  ConfigValues v = Required();
  v.insert(parsed.begin(), parsed.end());
  v["iscsi_portal"] = "127.0.0.1:3261";
  auto c = ResolveConfig(v, "h");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->volume_driver_options,
            (std::map<std::string, std::string>{{"volumes_dir", "/v"},
                                                {"snapshots", "false"},
                                                {"iscsi_target_prefix", "iqn.2010-10.org.example:"},
                                                {"fail.CreateSnapshot", "UNAVAILABLE"},
                                                {"iscsi_portal", "127.0.0.1:3261"}}));
  // The same as a flag.
  std::string config_path;
  ConfigValues overrides;
  bool help = false;
  ASSERT_TRUE(
      ParseFlags({"--volume_driver.target_helper=tgt"}, &config_path, &overrides, &help).ok());
  EXPECT_EQ(overrides["volume_driver.target_helper"], "tgt");
  // An alias and its option disagreeing is refused, naming both.
  v["file_driver_snapshots"] = "true";
  c = ResolveConfig(v, "h");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("file_driver_snapshots ('true') and volume_driver.snapshots "
                                      "('false') are the same setting"),
            std::string::npos)
      << c.status().message();
  // volume_driver.volumes_dir satisfies the file driver's requirement.
  v = Required();
  v.erase("volumes_dir");
  v["volume_driver.volumes_dir"] = "/w";
  c = ResolveConfig(v, "h");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->volume_driver_options.at("volumes_dir"), "/w");
  // Another driver gets its own options, and the file driver's aliases are refused for it.
  v["volume_driver"] = "fake";
  v["volume_driver.can_snapshot"] = "false";
  c = ResolveConfig(v, "h");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->volume_driver_options.at("can_snapshot"), "false");
  for (const char* alias : {"file_driver_target_helper", "iscsi_portal"}) {
    ConfigValues w = v;
    w[alias] = alias == std::string("iscsi_portal") ? "127.0.0.1:3260" : "tgt";
    EXPECT_NE(ResolveConfig(w, "h").status().message().find(std::string(alias) +
                                                            " is a setting of the file driver"),
              std::string::npos)
        << alias;
  }
  // A key is needed after the prefix, and it is a plain name.
  for (const char* bad : {"volume_driver. = x\n", "volume_driver.a b = x\n"}) {
    ConfigValues ignored;
    Status st = ParseConfigText(bad, "f", &ignored);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(st.message().find("unknown key"), std::string::npos) << st.message();
  }
  EXPECT_NE(BackupdUsage().find("volume_driver.KEY"), std::string::npos);
}

TEST(BackupdConfigTest, RequiredKeys) {
  for (const char* key : {"database", "schema_dir", "volumes_dir", "store_path"}) {
    ConfigValues v = Required();
    v.erase(key);
    auto c = ResolveConfig(v, "h");
    ASSERT_FALSE(c.ok()) << key;
    EXPECT_NE(c.status().message().find(key), std::string::npos) << c.status().message();
  }
  // volumes_dir is only required by the file driver.
  ConfigValues v = Required();
  v.erase("volumes_dir");
  v["volume_driver"] = "fake";
  EXPECT_TRUE(ResolveConfig(v, "h").ok());
}

TEST(BackupdConfigTest, BackupMaxOperationsIsAnAliasOfMaxConcurrentJobs) {
  ConfigValues v = Required();
  v["backup_max_operations"] = "1";
  auto c = ResolveConfig(v, "h");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->max_concurrent_jobs, 1);
  v["max_concurrent_jobs"] = "1";  // both, agreeing
  EXPECT_TRUE(ResolveConfig(v, "h").ok());
  v["max_concurrent_jobs"] = "2";  // both, disagreeing
  c = ResolveConfig(v, "h");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("same setting"), std::string::npos) << c.status().message();
  // Cinder's 0 (unlimited) is refused with the reason.
  v.erase("max_concurrent_jobs");
  v["backup_max_operations"] = "0";
  c = ResolveConfig(v, "h");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("bounds backupd's memory"), std::string::npos)
      << c.status().message();
  v["backup_max_operations"] = "65";
  EXPECT_FALSE(ResolveConfig(v, "h").ok());
  // A config file may use the Cinder name.
  ConfigValues parsed;
  ASSERT_TRUE(ParseConfigText("backup_max_operations = 3\n", "f", &parsed).ok());
  EXPECT_EQ(parsed["backup_max_operations"], "3");
}

TEST(BackupdConfigTest, BackupFormatPicksTheCompressionDefault) {
  ConfigValues v = Required();
  v["backup_format"] = "v1";
  auto c = ResolveConfig(v, "h");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->backup_format, "v1");
  EXPECT_EQ(c->compression_level, 3);
  v["compression_level"] = "5";
  EXPECT_EQ(ResolveConfig(v, "h")->compression_level, 5);
  v["backup_format"] = "v2";
  EXPECT_EQ(ResolveConfig(v, "h")->compression_level, 5);
  v.erase("compression_level");
  v["backup_master_key_file"] = "/etc/bb/master.key";
  c = ResolveConfig(v, "h");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->compression_level, 1);
  EXPECT_EQ(c->backup_master_key_file, "/etc/bb/master.key");
}

TEST(BackupdConfigTest, CompressionCodec) {
  ConfigValues v = Required();
  EXPECT_EQ(ResolveConfig(v, "h")->compression, "zstd");
  for (const char* codec : {"zstd", "lz4", "none"}) {
    v["compression"] = codec;
    auto c = ResolveConfig(v, "h");
    ASSERT_TRUE(c.ok()) << codec << ": " << c.status().ToString();
    EXPECT_EQ(c->compression, codec);
    EXPECT_EQ(c->compression_level, 1);  // still the zstd level, kept for a switch back
  }
  // A bad value names the key and every allowed value.
  for (const char* bad : {"gzip", "LZ4", "", "zstd "}) {
    v["compression"] = bad;
    auto c = ResolveConfig(v, "h");
    ASSERT_FALSE(c.ok()) << "'" << bad << "'";
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(c.status().message(),
              std::string("compression must be zstd, lz4 or none, got '") + bad + "'");
  }
  // v1 chunk objects cannot record lz4.
  v["compression"] = "lz4";
  v["backup_format"] = "v1";
  auto c = ResolveConfig(v, "h");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("backup_format = v2"), std::string::npos);
  v["compression"] = "none";
  EXPECT_TRUE(ResolveConfig(v, "h").ok());
}

TEST(BackupdConfigTest, CollectOnDelete) {
  ConfigValues v = Required();
  EXPECT_TRUE(ResolveConfig(v, "h")->collect_on_delete);
  v["collect_on_delete"] = "false";
  EXPECT_FALSE(ResolveConfig(v, "h")->collect_on_delete);
  v["collect_on_delete"] = "later";
  auto c = ResolveConfig(v, "h");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("collect_on_delete"), std::string::npos);
}

TEST(BackupdConfigTest, BadNumbersAndLevels) {
  for (auto [key, value] :
       std::vector<std::pair<std::string, std::string>>{{"chunk_size_mib", "0"},
                                                        {"chunk_size_mib", "4x"},
                                                        {"compression_level", "99"},
                                                        {"workers_per_job", "-1"},
                                                        {"max_concurrent_jobs", ""},
                                                        {"list_max_limit", "0"},
                                                        {"quota_backups", "-2"},
                                                        {"quota_backup_gigabytes", "x"},
                                                        {"list_default_limit", "1001"},
                                                        {"log_level", "verbose"},
                                                        {"backup_format", "v3"},
                                                        {"compression", "zlib"},
                                                        {"listen", "8777"},
                                                        {"listen", "127.0.0.1:70000"}}) {
    ConfigValues v = Required();
    v[key] = value;
    auto c = ResolveConfig(v, "h");
    ASSERT_FALSE(c.ok()) << key << "=" << value;
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(c.status().message().find(key), std::string::npos) << c.status().message();
  }
}

TEST(BackupdConfigTest, FlagsOverrideFile) {
  std::string path = testing::TempDir() + "backupd_config_test_" + std::to_string(getpid());
  {
    std::ofstream out(path);
    out << "database = dbname=bb\nschema_dir = /schema\nvolumes_dir = /v\nstore_path = /s\n"
           "listen = 0.0.0.0:8777\nworkers_per_job = 3\n";
  }
  bool help = false;
  auto c = LoadBackupdConfig({"--config", path, "--listen", "127.0.0.1:0"}, "h", &help);
  std::remove(path.c_str());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->listen, "127.0.0.1:0");
  EXPECT_EQ(c->workers_per_job, 3);
  EXPECT_EQ(c->database, "dbname=bb");
}

TEST(BackupdConfigTest, MissingConfigFile) {
  bool help = false;
  auto c = LoadBackupdConfig({"--config=/nonexistent/backupd.conf"}, "h", &help);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("/nonexistent/backupd.conf"), std::string::npos);
}

TEST(BackupdConfigTest, RoleDefaultsToAllAndChecksItsKeys) {
  auto c = ResolveConfig(Required(), "h");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->role, "all");
  ConfigValues v = Required();
  v["role"] = "both";
  EXPECT_EQ(ResolveConfig(v, "h").status().code(), StatusCode::kInvalidArgument);
  v["role"] = "volume";
  v["volume_host_address"] = "127.0.0.1:9";
  auto refused = ResolveConfig(v, "h");
  EXPECT_NE(refused.status().message().find("volume_host_address is a setting of role = backup"),
            std::string::npos)
      << refused.status().ToString();
  // Role volume needs no object store; role backup no volume driver settings.
  v = {{"database", "d"}, {"schema_dir", "/s"}, {"volumes_dir", "/v"}, {"role", "volume"}};
  EXPECT_TRUE(ResolveConfig(v, "h").ok());
  v = {{"database", "d"},
       {"schema_dir", "/s"},
       {"store_path", "/st"},
       {"role", "backup"},
       {"volume_host_address", "127.0.0.1:8777"},
       {"operator_token_file", "/t"}};
  auto backup = ResolveConfig(v, "h");
  ASSERT_TRUE(backup.ok()) << backup.status().ToString();
  EXPECT_EQ(backup->backup_attach, "remote") << "auto means remote on a backup host";
}

TEST(BackupdConfigTest, RoleBackupNeedsTheVolumeHostAndTheTokenAndRefusesLocalAttach) {
  ConfigValues v = {{"database", "d"},
                    {"schema_dir", "/s"},
                    {"store_path", "/st"},
                    {"role", "backup"},
                    {"operator_token_file", "/t"}};
  auto no_address = ResolveConfig(v, "h");
  EXPECT_NE(no_address.status().message().find("volume_host_address"), std::string::npos)
      << no_address.status().ToString();
  v["volume_host_address"] = "nowhere";
  EXPECT_EQ(ResolveConfig(v, "h").status().code(), StatusCode::kInvalidArgument);
  v["volume_host_address"] = "127.0.0.1:8777";
  v["backup_attach"] = "local";
  auto local = ResolveConfig(v, "h");
  EXPECT_NE(local.status().message().find("backup_attach = local cannot work with role = backup"),
            std::string::npos)
      << local.status().ToString();
  v["backup_attach"] = "remote";
  for (const char* key :
       {"volume_driver", "volumes_dir", "volume_driver.snapshots", "file_driver_target_helper"}) {
    ConfigValues with_driver = v;
    with_driver[key] = "tgt";  // a valid value for each, so only the role refuses it
    auto refused = ResolveConfig(with_driver, "h");
    EXPECT_NE(refused.status().message().find(std::string(key) +
                                              " is a volume driver setting, but role = backup"),
              std::string::npos)
        << refused.status().ToString();
  }
  v.erase("operator_token_file");
  auto no_token = ResolveConfig(v, "h");
  EXPECT_NE(no_token.status().message().find("operator_token_file is required for role = backup"),
            std::string::npos)
      << no_token.status().ToString();
}

}  // namespace
}  // namespace bb
