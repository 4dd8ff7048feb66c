// TLS on both endpoints of a real backupd: HTTPS for the REST API (and plain HTTP to that port
// failing), gRPC over TLS with the real backupctl, mutual TLS refusing clients without a
// certificate or with one from another CA, and key files that are not the certificate's
// refused at start with a message naming the config key.
#include "tests/integration/http_client.h"
#include "tests/integration/tls_fixture.h"

namespace bb::it {
namespace {

TEST_F(TlsDaemonTest, RestApiServesHttpsAndRefusesPlainHttp) {
  auto daemon = StartOrFail(ServerTls("api"));
  ASSERT_TRUE(daemon);
  std::string project = Project();
  std::string token = MakeToken(*daemon, project, "member");
  std::string base = "127.0.0.1:" + std::to_string(daemon->api_port());
  std::vector<std::string> headers = {"X-Auth-Token: " + token,
                                      "OpenStack-API-Version: volume 3.64"};

  HttpResponse created =
      HttpRequest("POST", "https://" + base + "/v3/" + project + "/volumes", headers,
                  R"({"volume": {"size": 1, "name": "over-tls"}})", Pki("ca.pem"));
  ASSERT_EQ(created.status, 202) << created.Describe();
  HttpResponse listed = HttpRequest("GET", "https://" + base + "/v3/" + project + "/volumes",
                                    headers, "", Pki("ca.pem"));
  ASSERT_EQ(listed.status, 200) << listed.Describe();
  ASSERT_EQ(listed.Json()["volumes"].size(), 1u) << listed.Describe();
  // Links name the scheme the client used.
  std::string self = listed.Json()["volumes"][0]["links"][0].value("href", "");
  EXPECT_EQ(self.rfind("https://" + base + "/v3/", 0), 0u) << self;

  HttpResponse plain =
      HttpRequest("GET", "http://" + base + "/v3/" + project + "/volumes", headers);
  EXPECT_EQ(plain.status, 0) << "plain HTTP to the TLS port was answered: " << plain.Describe();
  EXPECT_EQ(plain.body.find("over-tls"), std::string::npos);
  // A client that does not trust the test CA refuses the server.
  HttpResponse untrusted = HttpRequest("GET", "https://" + base + "/v3/" + project + "/volumes",
                                       headers, "", Pki("other-ca.pem"));
  EXPECT_EQ(untrusted.status, 0) << untrusted.Describe();
  EXPECT_NE(daemon->Log().find("HTTPS"), std::string::npos) << daemon->Log();
  EXPECT_EQ(*daemon->Stop(std::chrono::seconds(60)), 0) << daemon->Log();
}

TEST_F(TlsDaemonTest, GrpcOverTlsWorksWithBackupctl) {
  auto daemon = StartOrFail(ServerTls("grpc"));
  ASSERT_TRUE(daemon);
  std::string project = Project();
  std::vector<std::string> tls = {"--tls-ca-file", Pki("ca.pem"), "--project", project};
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.begin(), tls.begin(), tls.end());
    return args;
  };
  CliRun created =
      Backupctl(*daemon, with({"--json", "volume", "create", "--size-gib", "1", "--name", "v"}));
  ASSERT_EQ(created.code, 0) << created.Describe();
  std::string volume_id = created.Json().value("id", "");
  CliRun shown = Backupctl(*daemon, with({"--json", "volume", "show", volume_id}));
  ASSERT_EQ(shown.code, 0) << shown.Describe();
  EXPECT_EQ(shown.Json().value("name", ""), "v");
  // The operator's commands go over TLS too.
  EXPECT_FALSE(MakeToken(*daemon, project, "reader", {"--tls-ca-file", Pki("ca.pem")}).empty());

  CliRun plaintext = Backupctl(*daemon, {"--project", project, "volume", "show", volume_id});
  EXPECT_EQ(plaintext.code, 1) << plaintext.Describe();
  EXPECT_NE(plaintext.err.find("error: UNAVAILABLE"), std::string::npos) << plaintext.Describe();
  CliRun wrong_ca = Backupctl(*daemon, {"--tls-ca-file", Pki("other-ca.pem"), "--project", project,
                                        "volume", "show", volume_id});
  EXPECT_EQ(wrong_ca.code, 1) << wrong_ca.Describe();
  EXPECT_NE(wrong_ca.err.find("error: UNAVAILABLE"), std::string::npos) << wrong_ca.Describe();
  EXPECT_NE(daemon->Log().find("grpc_auth=trusted-header, TLS"), std::string::npos)
      << daemon->Log();
  EXPECT_EQ(*daemon->Stop(std::chrono::seconds(60)), 0) << daemon->Log();
}

TEST_F(TlsDaemonTest, MutualTlsRefusesClientsWithoutACertificateOrFromAnotherCa) {
  std::vector<std::string> config = ServerTls("grpc");
  config.push_back("grpc_tls_client_ca_file = " + Pki("ca.pem"));
  auto daemon = StartOrFail(config);
  ASSERT_TRUE(daemon);
  std::string project = Project();
  auto run = [&](const std::vector<std::string>& client) {
    std::vector<std::string> args = {"--tls-ca-file", Pki("ca.pem")};
    args.insert(args.end(), client.begin(), client.end());
    args.insert(args.end(), {"--project", project, "--json", "volume", "list"});
    return Backupctl(*daemon, args);
  };
  CliRun certified =
      run({"--tls-cert-file", Pki("client.pem"), "--tls-key-file", Pki("client.key")});
  EXPECT_EQ(certified.code, 0) << certified.Describe();

  CliRun anonymous = run({});
  EXPECT_EQ(anonymous.code, 1) << anonymous.Describe();
  EXPECT_NE(anonymous.err.find("error: UNAVAILABLE"), std::string::npos) << anonymous.Describe();
  CliRun stranger =
      run({"--tls-cert-file", Pki("other-client.pem"), "--tls-key-file", Pki("other-client.key")});
  EXPECT_EQ(stranger.code, 1) << stranger.Describe();
  EXPECT_NE(stranger.err.find("error: UNAVAILABLE"), std::string::npos) << stranger.Describe();
  // A certificate without its key is the client's usage error, before any connection.
  CliRun half = run({"--tls-cert-file", Pki("client.pem")});
  EXPECT_EQ(half.code, 2) << half.Describe();
  EXPECT_NE(daemon->Log().find("mutual TLS"), std::string::npos) << daemon->Log();
  EXPECT_EQ(*daemon->Stop(std::chrono::seconds(60)), 0) << daemon->Log();
}

TEST_F(TlsDaemonTest, KeyThatIsNotTheCertificatesIsRefusedAtStart) {
  struct Case {
    std::vector<std::string> config;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"grpc_tls_cert_file = " + Pki("server.pem"), "grpc_tls_key_file = " + Pki("client.key")},
       "grpc_tls_key_file: the key in " + Pki("client.key") +
           " does not belong to the certificate in " + Pki("server.pem")},
      {{"api_tls_cert_file = " + Pki("server.pem"), "api_tls_key_file = " + Pki("other-ca.key")},
       "api_tls_key_file: the key in " + Pki("other-ca.key") + " does not belong"},
      {{"grpc_tls_cert_file = " + Pki("missing.pem"), "grpc_tls_key_file = " + Pki("server.key")},
       "grpc_tls_cert_file: cannot read " + Pki("missing.pem")},
      {{"api_tls_cert_file = " + Pki("server.key"), "api_tls_key_file = " + Pki("server.key")},
       "api_tls_cert_file: " + Pki("server.key") + " holds no PEM certificate"},
      {{"grpc_tls_cert_file = " + Pki("server.pem"), "grpc_tls_key_file = " + Pki("server.key"),
        "grpc_tls_client_ca_file = " + Pki("nothing-here.pem")},
       "grpc_tls_client_ca_file: cannot read"},
  };
  for (const auto& c : cases) {
    auto daemon = Start(c.config);
    ASSERT_FALSE(daemon.ok()) << "backupd started with " << c.config[1];
    EXPECT_NE(daemon.status().message().find("exited during startup"), std::string::npos)
        << daemon.status().ToString();
    EXPECT_NE(daemon.status().message().find(c.message), std::string::npos)
        << daemon.status().ToString();
  }
}

}  // namespace
}  // namespace bb::it
