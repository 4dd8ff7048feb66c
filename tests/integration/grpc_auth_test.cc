// gRPC authentication of a real backupd through the real backupctl. grpc_auth = token: calls
// act in their API token's project with its role (the REST API's tokens, made by the operator
// with `backupctl token create`), another project's ids are NOT_FOUND, a reader cannot change
// anything, no token is UNAUTHENTICATED and the x-project-id header impersonates nobody; the
// operator token still acts as an admin. grpc_auth = trusted-header (the loopback default):
// the header names the project, as the other suites rely on.
#include <cstdlib>

#include "tests/integration/tls_fixture.h"

namespace bb::it {
namespace {

using GrpcAuthTest = TlsDaemonTest;

// True when the listing's `key` array has a record with `id` (the suite's database is shared by
// its tests, so all-projects listings hold other tests' records too).
bool Lists(const CliRun& run, const std::string& key, const std::string& id) {
  nlohmann::json listing = run.Json();  // kept: a range-for over Json()[key] would dangle
  for (const auto& record : listing[key]) {
    if (record.value("id", "") == id) return true;
  }
  return false;
}

// Expects exit 1 and `error: CODE: ...message...` on stderr.
void ExpectRefused(const CliRun& run, const std::string& code, const std::string& message) {
  EXPECT_EQ(run.code, 1) << run.Describe();
  EXPECT_NE(run.err.find("error: " + code + ": "), std::string::npos) << run.Describe();
  EXPECT_NE(run.err.find(message), std::string::npos) << run.Describe();
}

TEST_F(GrpcAuthTest, TokenModeScopesEveryCallToTheTokensProjectAndRole) {
  auto daemon = StartOrFail({"grpc_auth = token"});
  ASSERT_TRUE(daemon);
  std::string a = Project(), b = Project();
  // The operator token is accepted in token mode: it makes the tokens.
  std::string member_a = MakeToken(*daemon, a, "member");
  std::string member_b = MakeToken(*daemon, b, "member");
  std::string reader_a = MakeToken(*daemon, a, "reader");
  ASSERT_FALSE(member_a.empty() || member_b.empty() || reader_a.empty());
  auto as = [&](const std::string& token, std::vector<std::string> args) {
    args.insert(args.begin(), {"--token", token, "--json"});
    return Backupctl(*daemon, args);
  };

  CliRun volume = as(member_a, {"volume", "create", "--size-gib", "1", "--name", "a-vol"});
  ASSERT_EQ(volume.code, 0) << volume.Describe();
  std::string volume_id = volume.Json().value("id", "");
  EXPECT_EQ(volume.Json().value("project_id", ""), a) << volume.Describe();
  CliRun backup = as(member_a, {"backup", "create", volume_id, "--wait", "--quiet"});
  ASSERT_EQ(backup.code, 0) << backup.Describe();
  std::string backup_id = backup.Json().value("id", "");
  EXPECT_EQ(backup.Json().value("status", ""), "available") << backup.Describe();

  // Project B's token: A's ids do not exist for it.
  ExpectRefused(as(member_b, {"backup", "show", backup_id}), "NOT_FOUND", backup_id);
  ExpectRefused(as(member_b, {"volume", "show", volume_id}), "NOT_FOUND", volume_id);
  ExpectRefused(as(member_b, {"backup", "delete", backup_id}), "NOT_FOUND", backup_id);
  CliRun b_list = as(member_b, {"backup", "list"});
  ASSERT_EQ(b_list.code, 0) << b_list.Describe();
  EXPECT_TRUE(b_list.Json()["backups"].empty()) << b_list.Describe();
  // Naming project A in the header with B's token is refused, not obeyed.
  ExpectRefused(as(member_b, {"--project", a, "backup", "show", backup_id}), "PERMISSION_DENIED",
                "the API token is for project " + b);
  // all-projects is an admin's: a member is refused.
  ExpectRefused(as(member_b, {"backup", "list", "--all-projects"}), "PERMISSION_DENIED",
                "admin operation");

  // A reader of A sees A's backup but cannot change anything.
  CliRun shown = as(reader_a, {"backup", "show", backup_id});
  ASSERT_EQ(shown.code, 0) << shown.Describe();
  EXPECT_EQ(shown.Json().value("id", ""), backup_id);
  ExpectRefused(as(reader_a, {"volume", "create", "--size-gib", "1"}), "PERMISSION_DENIED",
                "CreateVolume needs the role member; this token's role is reader");
  ExpectRefused(as(reader_a, {"backup", "create", volume_id}), "PERMISSION_DENIED",
                "CreateBackup needs the role member");
  ExpectRefused(as(reader_a, {"backup", "delete", backup_id}), "PERMISSION_DENIED",
                "DeleteBackup needs the role member");

  // No token: UNAUTHENTICATED, with or without a project header; a made-up token likewise.
  ExpectRefused(Backupctl(*daemon, {"volume", "list"}), "UNAUTHENTICATED", "--token");
  ExpectRefused(Backupctl(*daemon, {"--project", a, "backup", "show", backup_id}),
                "UNAUTHENTICATED", "requires an API token");
  ExpectRefused(as("bbt_" + std::string(64, '0'), {"backup", "show", backup_id}), "UNAUTHENTICATED",
                "not valid");

  // BB_TOKEN is the --token default.
  setenv("BB_TOKEN", reader_a.c_str(), 1);
  CliRun from_env = Backupctl(*daemon, {"--json", "backup", "show", backup_id});
  unsetenv("BB_TOKEN");
  EXPECT_EQ(from_env.code, 0) << from_env.Describe();

  // The operator acts as an admin in the project it names: every project's backups.
  CliRun everything =
      Backupctl(*daemon, {"--json", "backup", "list", "--all-projects"}, /*as_operator=*/true);
  ASSERT_EQ(everything.code, 0) << everything.Describe();
  EXPECT_TRUE(Lists(everything, "backups", backup_id)) << everything.Describe();

  // A's member deletes its backup; B's view never changed.
  CliRun deleted = as(member_a, {"backup", "delete", backup_id, "--wait", "--quiet"});
  EXPECT_EQ(deleted.code, 0) << deleted.Describe();
  EXPECT_NE(daemon->Log().find("grpc_auth=token"), std::string::npos) << daemon->Log();
  EXPECT_EQ(*daemon->Stop(std::chrono::seconds(60)), 0) << daemon->Log();
}

TEST_F(GrpcAuthTest, AdminTokenReachesOtherProjectsByIdAsOnRest) {
  auto daemon = StartOrFail({"grpc_auth = token"});
  ASSERT_TRUE(daemon);
  std::string a = Project(), b = Project();
  std::string admin_a = MakeToken(*daemon, a, "admin");
  std::string member_b = MakeToken(*daemon, b, "member");
  auto as = [&](const std::string& token, std::vector<std::string> args) {
    args.insert(args.begin(), {"--token", token, "--json"});
    return Backupctl(*daemon, args);
  };
  CliRun volume = as(member_b, {"volume", "create", "--size-gib", "1"});
  ASSERT_EQ(volume.code, 0) << volume.Describe();
  std::string volume_id = volume.Json().value("id", "");
  // As the REST API's admin (Cinder's admin_or_owner): an admin token reaches other projects'
  // records by id and in all-projects lists; what it creates is its own project's.
  CliRun shown = as(admin_a, {"volume", "show", volume_id});
  ASSERT_EQ(shown.code, 0) << shown.Describe();
  EXPECT_EQ(shown.Json().value("project_id", ""), b) << shown.Describe();
  CliRun own = as(admin_a, {"volume", "create", "--size-gib", "1"});
  ASSERT_EQ(own.code, 0) << own.Describe();
  EXPECT_EQ(own.Json().value("project_id", ""), a) << own.Describe();
  // A member of B does not reach A's.
  ExpectRefused(as(member_b, {"volume", "show", own.Json().value("id", "")}), "NOT_FOUND",
                "not found");
  CliRun listed = as(admin_a, {"volume", "list", "--all-projects"});
  ASSERT_EQ(listed.code, 0) << listed.Describe();
  EXPECT_TRUE(Lists(listed, "volumes", volume_id)) << listed.Describe();
  EXPECT_EQ(*daemon->Stop(std::chrono::seconds(60)), 0) << daemon->Log();
}

TEST_F(GrpcAuthTest, TrustedHeaderModeTakesTheProjectHeader) {
  auto daemon = StartOrFail({});  // the default on a loopback listen address
  ASSERT_TRUE(daemon);
  std::string a = Project(), b = Project();
  CliRun created =
      Backupctl(*daemon, {"--project", a, "--json", "volume", "create", "--size-gib", "1"});
  ASSERT_EQ(created.code, 0) << created.Describe();
  std::string volume_id = created.Json().value("id", "");
  CliRun same = Backupctl(*daemon, {"--project", a, "--json", "volume", "show", volume_id});
  EXPECT_EQ(same.code, 0) << same.Describe();
  ExpectRefused(Backupctl(*daemon, {"--project", b, "volume", "show", volume_id}), "NOT_FOUND",
                volume_id);
  // Admin actions still need the operator token.
  ExpectRefused(Backupctl(*daemon, {"--project", a, "volume", "list", "--all-projects"}),
                "PERMISSION_DENIED", "operator token");
  EXPECT_NE(daemon->Log().find("grpc_auth=trusted-header, plaintext"), std::string::npos)
      << daemon->Log();
  EXPECT_EQ(*daemon->Stop(std::chrono::seconds(60)), 0) << daemon->Log();
}

}  // namespace
}  // namespace bb::it
