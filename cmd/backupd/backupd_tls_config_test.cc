// Tests for the TLS and grpc_auth keys of the backupd config: pairs, mutual TLS prerequisites,
// grpc_auth's default by listen address and its safety rule.
#include <gtest/gtest.h>

#include "cmd/backupd/backupd_config.h"
#include "cmd/backupd/backupd_config_testing.h"

namespace bb {
namespace {

using testing_config::Required;

TEST(BackupdTlsConfigTest, TlsFilesAreReadAsGiven) {
  ConfigValues v = Required();
  v["api_tls_cert_file"] = "/etc/bb/api.pem";
  v["api_tls_key_file"] = "/etc/bb/api.key";
  v["grpc_tls_cert_file"] = "/etc/bb/grpc.pem";
  v["grpc_tls_key_file"] = "/etc/bb/grpc.key";
  v["grpc_tls_client_ca_file"] = "/etc/bb/ca.pem";
  auto c = ResolveConfig(v, "h");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->api_tls_cert_file, "/etc/bb/api.pem");
  EXPECT_EQ(c->api_tls_key_file, "/etc/bb/api.key");
  EXPECT_EQ(c->grpc_tls_cert_file, "/etc/bb/grpc.pem");
  EXPECT_EQ(c->grpc_tls_key_file, "/etc/bb/grpc.key");
  EXPECT_EQ(c->grpc_tls_client_ca_file, "/etc/bb/ca.pem");
}

TEST(BackupdTlsConfigTest, HalfAPairIsRefused) {
  for (const char* key :
       {"api_tls_cert_file", "api_tls_key_file", "grpc_tls_cert_file", "grpc_tls_key_file"}) {
    ConfigValues v = Required();
    v[key] = "/x";
    auto c = ResolveConfig(v, "h");
    ASSERT_FALSE(c.ok()) << key;
    EXPECT_NE(c.status().message().find("give both or neither"), std::string::npos)
        << c.status().ToString();
  }
}

TEST(BackupdTlsConfigTest, ClientCaNeedsAServerCertificate) {
  ConfigValues v = Required();
  v["grpc_tls_client_ca_file"] = "/ca.pem";
  auto c = ResolveConfig(v, "h");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("needs grpc_tls_cert_file"), std::string::npos)
      << c.status().ToString();
}

TEST(BackupdTlsConfigTest, GrpcAuthDefaultsByListenAddress) {
  ConfigValues v = Required();
  auto loopback = ResolveConfig(v, "h");
  ASSERT_TRUE(loopback.ok()) << loopback.status().ToString();
  EXPECT_EQ(loopback->grpc_auth, "trusted-header");  // the default listen is 127.0.0.1:8777
  v["listen"] = "0.0.0.0:8777";
  auto everywhere = ResolveConfig(v, "h");
  ASSERT_TRUE(everywhere.ok()) << everywhere.status().ToString();
  EXPECT_EQ(everywhere->grpc_auth, "token");
  v["listen"] = "127.0.0.1:0";
  v["grpc_auth"] = "token";
  auto chosen = ResolveConfig(v, "h");
  ASSERT_TRUE(chosen.ok()) << chosen.status().ToString();
  EXPECT_EQ(chosen->grpc_auth, "token");
}

TEST(BackupdTlsConfigTest, TrustedHeaderOffLoopbackNeedsMutualTls) {
  ConfigValues v = Required();
  v["listen"] = "192.0.2.10:8777";
  v["grpc_auth"] = "trusted-header";
  auto refused = ResolveConfig(v, "h");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("loopback"), std::string::npos)
      << refused.status().ToString();
  v["grpc_tls_cert_file"] = "/c";
  v["grpc_tls_key_file"] = "/k";
  v["grpc_tls_client_ca_file"] = "/ca";
  EXPECT_TRUE(ResolveConfig(v, "h").ok());
}

TEST(BackupdTlsConfigTest, UnknownGrpcAuthIsRefused) {
  ConfigValues v = Required();
  v["grpc_auth"] = "keystone";
  auto c = ResolveConfig(v, "h");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("token or trusted-header"), std::string::npos);
}

}  // namespace
}  // namespace bb
