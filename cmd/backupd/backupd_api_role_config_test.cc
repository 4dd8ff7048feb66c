// Tests for role api's settings (api_role_config.cc): what it requires, its defaults, and the
// refusal of every setting of a driver, store, manager or gRPC server.
#include <gtest/gtest.h>

#include <string>

#include "cmd/backupd/backupd_config.h"

namespace bb {
namespace {

ConfigValues ApiRole() {
  return {{"role", "api"},
          {"database", "dbname=bb"},
          {"schema_dir", "/schema"},
          {"backup_service_address", "10.0.0.5:8777"}};
}

TEST(BackupdApiRoleConfigTest, NeedsOnlyTheBackupServiceAndDefaultsTheVolumeService) {
  auto c = ResolveConfig(ApiRole(), "h");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->role, "api");
  EXPECT_EQ(c->backup_service_address, "10.0.0.5:8777");
  EXPECT_EQ(c->volume_service_address, "10.0.0.5:8777");  // a role all daemon serves both
  ConfigValues v = ApiRole();
  v["volume_service_address"] = "10.0.0.6:8777";
  v["backend_tls_ca_file"] = "/ca.pem";
  v["api_tls_cert_file"] = "/c.pem";
  v["api_tls_key_file"] = "/k.pem";
  c = ResolveConfig(v, "h");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->volume_service_address, "10.0.0.6:8777");
  EXPECT_EQ(c->backend_tls_ca_file, "/ca.pem");

  v = ApiRole();
  v.erase("backup_service_address");
  auto missing = ResolveConfig(v, "h");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("backup_service_address"), std::string::npos)
      << missing.status().message();
}

TEST(BackupdApiRoleConfigTest, RefusesDriverStoreManagerAndServerSettings) {
  for (std::string key :
       {"volume_driver", "volume_driver.volume_group", "volumes_dir", "file_driver_target_helper",
        "object_store", "store_path", "backup_format", "backup_master_key_file",
        "max_concurrent_jobs", "quota_backups", "list_max_limit", "backup_attach",
        "volume_host_address", "listen", "grpc_auth", "grpc_tls_cert_file", "operator_token_file",
        "host"}) {
    ConfigValues v = ApiRole();
    v[key] = "x";
    auto refused = ResolveConfig(v, "h");
    ASSERT_FALSE(refused.ok()) << key;
    EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument) << key;
    // volume_host_address is named by role backup's own check first.
    std::string expected = key == "volume_host_address"
                               ? "volume_host_address is a setting of role = backup"
                               : key + " cannot be set with role = api: ";
    EXPECT_NE(refused.status().message().find(expected), std::string::npos)
        << refused.status().message();
  }
  ConfigValues v = ApiRole();
  v["store_path"] = "/s";
  EXPECT_NE(ResolveConfig(v, "h").status().message().find("no volume driver, object store or "
                                                          "managers"),
            std::string::npos);
  v = ApiRole();
  v["api_enabled"] = "false";
  EXPECT_NE(ResolveConfig(v, "h").status().message().find("all role api serves"),
            std::string::npos);
}

TEST(BackupdApiRoleConfigTest, ClientTlsFilesAndKeysOfOtherRoles) {
  ConfigValues v = ApiRole();
  v["backend_tls_cert_file"] = "/c.pem";
  EXPECT_NE(ResolveConfig(v, "h").status().message().find("go together"), std::string::npos);
  v["backend_tls_key_file"] = "/k.pem";
  EXPECT_NE(ResolveConfig(v, "h").status().message().find("needs backend_tls_ca_file"),
            std::string::npos);
  v["backend_tls_ca_file"] = "/ca.pem";
  EXPECT_TRUE(ResolveConfig(v, "h").ok());
  // Role api's keys in another role are refused, not ignored.
  ConfigValues all = {{"database", "d"},
                      {"schema_dir", "/s"},
                      {"volumes_dir", "/v"},
                      {"store_path", "/st"},
                      {"backup_service_address", "10.0.0.5:8777"}};
  auto refused = ResolveConfig(all, "h");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("backup_service_address is a setting of role = api"),
            std::string::npos)
      << refused.status().message();
  ConfigValues bad_role = ApiRole();
  bad_role["role"] = "apis";
  EXPECT_NE(ResolveConfig(bad_role, "h").status().message().find("all, volume, backup or api"),
            std::string::npos);
}

}  // namespace
}  // namespace bb
