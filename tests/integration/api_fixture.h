// ApiTest: the REST API of a real backupd (BackupctlTest's daemon, api_listen 127.0.0.1:0) over
// real HTTP (libcurl); ApiOnXfsTest the same with the volumes on a scratch reflink XFS (root),
// where forced backups of attached volumes read a real snapshot. Tokens are made as an operator
// makes them: `backupctl token create
// --json` with the operator token. Helpers build the requests; assertions stay in the tests.
// Thread-safety: test thread only.
#pragma once

#include <chrono>
#include <string>
#include <thread>

#include "tests/integration/backupctl_fixture.h"
#include "tests/integration/backupctl_xfs_fixture.h"
#include "tests/integration/http_client.h"

namespace bb::it {

template <typename Base>
class ApiTestOn : public Base {
 protected:
  using As = typename Base::As;
  using Base::Cli;
  using Base::daemon_;
  using Base::project_;

  void SetUp() override {
    Base::SetUp();
    if (this->HasFatalFailure() || this->IsSkipped()) return;
    ASSERT_GT(daemon_->api_port(), 0) << "backupd wrote no api_port_file";
    member_ = Token(project_, "member");
  }

  // A new token for `project` with `role` (reader | member | admin), made by backupctl.
  std::string Token(const std::string& project, const std::string& role) {
    CliRun run =
        Cli({"token", "create", "--project", project, "--role", role, "--json"}, As::kOperator);
    EXPECT_EQ(run.code, 0) << run.Describe();
    token_ids_[run.Json().value("token", "")] = run.Json().value("id", "");
    return run.Json().value("token", "");
  }

  // Where the REST API under test listens: the daemon's own (role all); the role api tests
  // point every helper at a role api daemon in front of it instead.
  virtual std::string ApiUrl() const { return daemon_->api_url(); }

  // METHOD /v3/{project}PATH with X-Auth-Token (none when empty) and a microversion header
  // (none when empty).
  HttpResponse Call(const std::string& method, const std::string& path, const std::string& token,
                    const std::string& body = "", const std::string& version = "3.64",
                    const std::string& project = "") {
    std::vector<std::string> headers;
    if (!token.empty()) headers.push_back("X-Auth-Token: " + token);
    if (!version.empty()) headers.push_back("OpenStack-API-Version: volume " + version);
    return HttpRequest(method, ApiUrl() + "/v3/" + (project.empty() ? project_ : project) + path,
                       headers, body);
  }
  HttpResponse Get(const std::string& path, const std::string& token = "") {
    return Call("GET", path, token.empty() ? member_ : token);
  }
  HttpResponse Post(const std::string& path, const std::string& body,
                    const std::string& token = "") {
    return Call("POST", path, token.empty() ? member_ : token, body);
  }

  // Creates a volume of `size_gib` through the API and returns its id (available at once: the
  // file driver's create is synchronous).
  std::string ApiVolume(int size_gib, const std::string& name, const std::string& token = "") {
    HttpResponse r = Post(
        "/volumes",
        R"({"volume": {"size": )" + std::to_string(size_gib) + R"(, "name": ")" + name + R"("}})",
        token);
    EXPECT_EQ(r.status, 202) << r.Describe();
    return r.Json()["volume"].value("id", "");
  }

  // Polls GET /backups/{id} until its status is not `while_status` (timeout: 120 s).
  nlohmann::json WaitBackup(const std::string& id, const std::string& while_status,
                            const std::string& token = "") {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    nlohmann::json backup;
    while (std::chrono::steady_clock::now() < deadline) {
      HttpResponse r = Get("/backups/" + id, token);
      if (r.status != 200) return r.Json();
      backup = r.Json()["backup"];
      if (backup.value("status", "") != while_status) return backup;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "backup " << id << " still " << while_status << " after 120 s";
    return backup;
  }
  nlohmann::json WaitVolume(const std::string& id, const std::string& while_status) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    nlohmann::json volume;
    while (std::chrono::steady_clock::now() < deadline) {
      HttpResponse r = Get("/volumes/" + id);
      if (r.status != 200) return r.Json();
      volume = r.Json()["volume"];
      if (volume.value("status", "") != while_status) return volume;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "volume " << id << " still " << while_status << " after 120 s";
    return volume;
  }

  // Expects `status` with Cinder's error body {"<fault>": {"code": status, "message": ...}}
  // whose message contains `message`.
  static void ExpectError(const HttpResponse& r, long status, const std::string& fault,
                          const std::string& message) {
    EXPECT_EQ(r.status, status) << r.Describe();
    nlohmann::json body = r.Json();
    ASSERT_TRUE(body.is_object() && body.contains(fault)) << r.Describe();
    EXPECT_EQ(body[fault].value("code", 0), status) << r.Describe();
    EXPECT_NE(body[fault].value("message", "").find(message), std::string::npos) << r.Describe();
  }

  std::string member_;
  std::map<std::string, std::string> token_ids_;  // token -> id
};

using ApiTest = ApiTestOn<BackupctlTest>;
using ApiOnXfsTest = ApiTestOn<BackupctlOnXfsTest>;

}  // namespace bb::it
