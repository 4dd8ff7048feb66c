// Harness for integration tests that run the real backupd binary:
//   TestDatabase   a uniquely named PostgreSQL database (created with psql from an admin
//                  conninfo, dropped on destruction), so every test process starts empty.
//   BackupdProcess backupd started with a generated config in a fresh /tmp directory (file
//                  volume driver, posix object store, listen 127.0.0.1:0 + port_file, the REST
//                  API on api_listen 127.0.0.1:0 + api_port_file); Stop()
//                  sends SIGTERM and returns the exit status.
// Thread-safety: use from the test thread only.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "backup_service/common/result.h"

namespace bb::it {

class TestDatabase {
 public:
  // admin_conninfo: key=value conninfo or postgresql:// URI of a database the test may use to
  // run CREATE/DROP DATABASE.
  static Result<std::unique_ptr<TestDatabase>> Create(const std::string& admin_conninfo);
  ~TestDatabase();
  // admin_conninfo with the new database selected.
  const std::string& conninfo() const { return conninfo_; }

 private:
  TestDatabase(std::string admin, std::string name, std::string conninfo)
      : admin_(std::move(admin)), name_(std::move(name)), conninfo_(std::move(conninfo)) {}
  std::string admin_;
  std::string name_;
  std::string conninfo_;
};

// For a fixture's SetUpTestSuite: creates the suite's database on $BB_TEST_PG_CONNINFO. Leaves
// *database null when the variable is unset (the tests then skip) and sets *error (the caller
// deletes both) when the creation fails.
void CreateSuiteDatabase(TestDatabase** database, std::string** error);

struct BackupdOptions {
  // Object-store directory to use instead of a fresh one inside the work directory (a second
  // installation that reaches the same store); the caller owns and removes it.
  std::string store_dir;
  // Volume directory to use instead of a fresh one (e.g. a reflink-capable scratch XFS, or the
  // previous daemon's after a kill); the caller owns it.
  std::string volumes_dir;
  // Leave the volume driver out of the config (role = backup refuses its settings).
  bool without_volume_driver = false;
  // Extra `key = value` lines appended to the generated config.
  std::vector<std::string> extra_config;
  // Extra `NAME=value` environment entries for the daemon (on top of the test's environment).
  std::vector<std::string> env;
  // Role api: the generated config has only what that role reads (database, schema, log level,
  // the REST API on 127.0.0.1:0, the port files); extra_config names the daemons behind it
  // (backup_service_address, ...). port() is then the REST API's port too.
  bool api_role = false;
};

// Rows of a query on `conninfo`, one string per row with columns joined by '|' (psql -At); a
// failure comes back as one row saying so, which no caller takes for data. Test-only: the SQL
// is the caller's literal.
std::vector<std::string> QueryRows(const std::string& conninfo, const std::string& sql);

class BackupdProcess {
 public:
  static Result<std::unique_ptr<BackupdProcess>> Start(const std::string& binary,
                                                       const std::string& database_conninfo,
                                                       const std::string& schema_dir,
                                                       const BackupdOptions& options = {});
  ~BackupdProcess();  // SIGKILLs a daemon still running, removes the work directory

  int port() const { return port_; }
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(port_); }
  // The REST API's port (api_listen = 127.0.0.1:0); 0 when the daemon serves no REST API.
  int api_port() const { return api_port_; }
  std::string api_url() const { return "http://127.0.0.1:" + std::to_string(api_port_); }
  const std::string& volumes_dir() const { return volumes_dir_; }
  const std::string& store_dir() const { return store_dir_; }
  // The operator token the daemon was configured with (a random one per daemon) and its file.
  const std::string& operator_token() const { return operator_token_; }
  const std::string& operator_token_file() const { return operator_token_file_; }
  // SIGTERM, then waits up to `timeout`. Returns the exit code, or Internal when the daemon was
  // killed by a signal or did not exit in time (it is then SIGKILLed).
  Result<int> Stop(std::chrono::seconds timeout);
  // SIGKILL (a crash): no cleanup runs in the daemon. Waits for the process to be gone.
  void Kill();
  // Waits up to `timeout` for the daemon to exit by itself (e.g. a failpoint's SIGKILL) and
  // returns its wait status; DeadlineExceeded when it is still running.
  Result<int> WaitForExit(std::chrono::milliseconds timeout);
  // The daemon's stdout+stderr so far (for failure messages).
  std::string Log() const;
  // The daemon's process id (kernel counters in /proc/<pid>/io).
  pid_t pid() const { return pid_; }

 private:
  BackupdProcess() = default;
  Status WaitForPort(std::chrono::seconds timeout);

  pid_t pid_ = -1;
  int port_ = 0;
  int api_port_ = 0;
  std::string work_dir_;
  std::string volumes_dir_;
  std::string store_dir_;
  std::string operator_token_;
  std::string operator_token_file_;
  std::string port_file_;
  std::string api_port_file_;
  std::string log_file_;
};

}  // namespace bb::it
