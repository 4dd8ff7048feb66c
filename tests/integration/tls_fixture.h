// TlsDaemonTest: real backupd processes with TLS and gRPC auth settings of the test's choosing,
// on a test database of their own, and a throw-away PKI made once per suite by
// tests/tools/make_test_pki.sh (the openssl CLI): a CA, backupd's certificate for 127.0.0.1, a
// client certificate, and a second CA with a client certificate of its own. Clients are the
// real backupctl (gRPC) and libcurl (HTTPS).
// Thread-safety: test thread only.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "backup_service/common/command_runner.h"
#include "backup_service/common/uuid.h"
#include "tests/integration/backupctl_fixture.h"
#include "tests/integration/backupd_harness.h"

namespace bb::it {

class TlsDaemonTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    CreateSuiteDatabase(&database_, &setup_error_);
    if (database_ == nullptr) return;  // SetUp skips or fails
    char dir[] = "/tmp/bb_test_pki_XXXXXX";
    if (mkdtemp(dir) == nullptr) {
      setup_error_ = new std::string("mkdtemp for the test PKI failed");
      return;
    }
    pki_dir_ = new std::string(dir);
    SystemCommandRunner runner;
    auto made = runner.Run({BB_TEST_PKI_SCRIPT, *pki_dir_}, CommandOptions{});
    if (!made.ok() || made->exit_code != 0) {
      setup_error_ = new std::string("make_test_pki.sh failed: " +
                                     (made.ok() ? made->err : made.status().ToString()));
    }
  }
  static void TearDownTestSuite() {
    delete database_;
    database_ = nullptr;
    if (pki_dir_ != nullptr) {
      std::error_code ec;
      std::filesystem::remove_all(*pki_dir_, ec);
      delete pki_dir_;
      pki_dir_ = nullptr;
    }
  }

  void SetUp() override {
    if (setup_error_ != nullptr) FAIL() << "test setup: " << *setup_error_;
    if (database_ == nullptr) {
      GTEST_SKIP() << "BB_TEST_PG_CONNINFO is not set: run tests/run.sh, which starts PostgreSQL";
    }
  }

  // A file of the test PKI: "ca.pem", "server.key", ...
  static std::string Pki(const std::string& name) { return *pki_dir_ + "/" + name; }

  // Starts backupd with `extra_config` lines; the error (with the daemon's log) when it does not
  // come up.
  Result<std::unique_ptr<BackupdProcess>> Start(const std::vector<std::string>& extra_config) {
    BackupdOptions options;
    options.extra_config = extra_config;
    return BackupdProcess::Start(BB_BACKUPD_PATH, database_->conninfo(), BB_SCHEMA_DIR, options);
  }
  std::unique_ptr<BackupdProcess> StartOrFail(const std::vector<std::string>& extra_config) {
    auto daemon = Start(extra_config);
    EXPECT_TRUE(daemon.ok()) << daemon.status().ToString();
    return daemon.ok() ? std::move(daemon).value() : nullptr;
  }

  // backupctl against `daemon` with `args` (global options included); as the operator when
  // `as_operator`; no --project unless the args give one.
  static CliRun Backupctl(const BackupdProcess& daemon, const std::vector<std::string>& args,
                          bool as_operator = false) {
    return RunBackupctl(daemon.endpoint(), "", as_operator ? daemon.operator_token_file() : "",
                        args, std::chrono::seconds(120));
  }

  // An API token for `project` with `role`, made by the operator with backupctl (over the
  // given TLS options, when the daemon needs them).
  static std::string MakeToken(const BackupdProcess& daemon, const std::string& project,
                               const std::string& role,
                               const std::vector<std::string>& tls_args = {}) {
    std::vector<std::string> args = tls_args;
    args.insert(args.end(), {"--json", "token", "create", "--project", project, "--role", role});
    CliRun run = Backupctl(daemon, args, /*as_operator=*/true);
    EXPECT_EQ(run.code, 0) << run.Describe();
    return run.Json().value("token", "");
  }

  static std::vector<std::string> ServerTls(const std::string& prefix) {
    return {prefix + "_tls_cert_file = " + Pki("server.pem"),
            prefix + "_tls_key_file = " + Pki("server.key")};
  }

  static std::string Project() { return "tls_" + NewUuid().substr(0, 8); }

  static inline TestDatabase* database_ = nullptr;
  static inline std::string* setup_error_ = nullptr;
  static inline std::string* pki_dir_ = nullptr;
};

}  // namespace bb::it
