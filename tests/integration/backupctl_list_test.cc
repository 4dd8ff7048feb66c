// backupctl's list commands against the real daemon and PostgreSQL: paging with --limit and
// --marker, --with-count, --sort, the filters, --all-projects (operator only), and every refusal
// as an operator sees it (usage error exit 2, or exit 1 with INVALID_ARGUMENT saying what to fix).
#include <set>

#include "tests/integration/backupctl_fixture.h"

namespace bb::it {
namespace {

using nlohmann::json;

class BackupctlListTest : public BackupctlTest {
 protected:
  // `GROUP list --json ARGS...`, expected to succeed; the parsed object.
  json List(const std::string& group, std::vector<std::string> args = {}, As as = As::kTenant) {
    args.insert(args.begin(), {"--json", group, "list"});
    CliRun run = Cli(args, as);
    EXPECT_EQ(run.code, 0) << run.Describe();
    json out = run.Json();
    EXPECT_TRUE(out.is_object()) << run.Describe();
    return out.is_object() ? out : json::object();
  }

  // Every id of a listing, following next_marker with `limit` records per page.
  std::vector<std::string> PageThrough(const std::string& group, const std::string& key,
                                       const std::string& limit,
                                       std::vector<std::string> args = {}) {
    std::vector<std::string> ids;
    std::string marker;
    for (int page = 0; page < 20; ++page) {
      std::vector<std::string> page_args = args;
      page_args.insert(page_args.end(), {"--limit", limit});
      if (!marker.empty()) page_args.insert(page_args.end(), {"--marker", marker});
      json out = List(group, page_args);
      for (const auto& record : out[key]) ids.push_back(record["id"]);
      marker = out.value("next_marker", "");
      if (marker.empty()) return ids;
      EXPECT_EQ(out[key].size(), static_cast<size_t>(std::stoi(limit)));
      EXPECT_EQ(marker, out[key].back()["id"]);
    }
    ADD_FAILURE() << group << " list did not end after 20 pages";
    return ids;
  }

  std::vector<std::string> Ids(const json& records) {
    std::vector<std::string> ids;
    for (const auto& r : records) ids.push_back(r["id"]);
    return ids;
  }

  // Expects exit status 2 and a usage error starting with `message`.
  void ExpectUsageError(const CliRun& run, const std::string& message) {
    EXPECT_EQ(run.code, 2) << run.Describe();
    EXPECT_NE(run.err.find("error: " + message), std::string::npos) << run.Describe();
  }
};

TEST_F(BackupctlListTest, VolumesPageWithLimitAndMarkerAndCount) {
  std::set<std::string> made;
  for (int i = 0; i < 5; ++i) made.insert(CreateVolume(1, "page-" + std::to_string(i)).id());

  json first = List("volume", {"--limit", "2", "--with-count"});
  EXPECT_EQ(first["volumes"].size(), 2u);
  EXPECT_EQ(first["count"], 5);
  EXPECT_EQ(first["limit"], 2);
  EXPECT_EQ(first["next_marker"], first["volumes"][1]["id"]);

  std::vector<std::string> paged = PageThrough("volume", "volumes", "2");
  EXPECT_EQ(paged.size(), 5u);
  EXPECT_EQ(std::set<std::string>(paged.begin(), paged.end()), made);
  json whole = List("volume");
  EXPECT_EQ(Ids(whole["volumes"]), paged);  // same order as one big page
  EXPECT_EQ(whole["next_marker"], "");
  EXPECT_FALSE(whole.contains("count"));  // only when asked
  EXPECT_EQ(whole["limit"], 100);         // the daemon's default page size

  // Limits beyond the maximum are capped, and the reply says so.
  EXPECT_EQ(List("volume", {"--limit", "5000"})["limit"], 1000);
  EXPECT_EQ(List("volume", {"--limit", "99999999999"})["limit"], 1000);

  // Human output: the table, where the next page starts, and the count.
  CliRun human = Cli({"volume", "list", "--limit", "2", "--with-count"});
  ASSERT_EQ(human.code, 0) << human.Describe();
  EXPECT_NE(human.out.find("ID"), std::string::npos) << human.out;
  EXPECT_NE(human.out.find("next page: --marker " + paged[1] + "\n"), std::string::npos)
      << human.out;
  EXPECT_NE(human.out.find("\n5 total\n"), std::string::npos) << human.out;
  CliRun last = Cli({"volume", "list", "--limit", "2", "--marker", paged[3]});
  ASSERT_EQ(last.code, 0) << last.Describe();
  EXPECT_EQ(last.out.find("next page"), std::string::npos) << last.out;
  EXPECT_NE(last.out.find(paged[4]), std::string::npos) << last.out;
}

TEST_F(BackupctlListTest, SortAndFiltersOfVolumes) {
  for (const char* name : {"delta", "alpha", "charlie", "bravo"}) CreateVolume(1, name);
  CreateVolume(2, "alpha");
  json by_name = List("volume", {"--sort", "name:asc,size_gib:desc"});
  std::vector<std::string> names;
  for (const auto& v : by_name["volumes"]) names.push_back(v["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"alpha", "alpha", "bravo", "charlie", "delta"}));
  EXPECT_EQ(by_name["volumes"][0]["size_gib"], 2);

  json alphas = List("volume", {"--name", "alpha", "--with-count"});
  EXPECT_EQ(alphas["count"], 2);
  EXPECT_EQ(List("volume", {"--status", "available", "--with-count"})["count"], 5);
  json in_use = List("volume", {"--status", "in-use", "--with-count"});
  EXPECT_EQ(in_use["count"], 0);
  EXPECT_TRUE(in_use["volumes"].empty());
}

TEST_F(BackupctlListTest, BackupsPageSortAndFilter) {
  v1::Volume a = CreateVolume(1, "list-a");
  v1::Volume b = CreateVolume(2, "list-b");
  for (const auto& [volume, name] : std::vector<std::pair<std::string, std::string>>{
           {a.id(), "nightly"}, {a.id(), "weekly"}, {b.id(), "nightly"}}) {
    CliRun created = Cli({"--json", "backup", "create", volume, "--name", name, "--wait"});
    ASSERT_EQ(created.code, 0) << created.Describe();
  }
  std::vector<std::string> paged = PageThrough("backup", "backups", "1");
  EXPECT_EQ(paged.size(), 3u);
  EXPECT_EQ(std::set<std::string>(paged.begin(), paged.end()).size(), 3u);
  EXPECT_EQ(Ids(List("backup")["backups"]), paged);

  json of_a = List("backup", {"--volume", a.id(), "--with-count"});
  EXPECT_EQ(of_a["count"], 2);
  for (const auto& backup : of_a["backups"]) EXPECT_EQ(backup["volume_id"], a.id());
  json nightly = List("backup", {"--name", "nightly", "--status", "available", "--with-count"});
  EXPECT_EQ(nightly["count"], 2);
  EXPECT_EQ(List("backup", {"--status", "error", "--with-count"})["count"], 0);

  json by_size = List("backup", {"--sort", "size_gib:desc,name:asc"});
  ASSERT_EQ(by_size["backups"].size(), 3u);
  EXPECT_EQ(by_size["backups"][0]["volume_id"], b.id());  // the 2 GiB one
  EXPECT_EQ(by_size["backups"][1]["name"], "nightly");
  EXPECT_EQ(by_size["backups"][2]["name"], "weekly");
  // Oldest data first is newest-first reversed.
  std::vector<std::string> oldest =
      Ids(List("backup", {"--sort", "data_timestamp:asc"})["backups"]);
  EXPECT_EQ(std::vector<std::string>(oldest.rbegin(), oldest.rend()), paged);
}

TEST_F(BackupctlListTest, AllProjectsNeedsTheOperator) {
  v1::Volume mine = CreateVolume(1, "mine");
  std::string other_project = project_ + "_other";
  CliRun theirs = Cli({"--json", "volume", "create", "--size-gib", "1", "--name", "theirs"},
                      As::kTenant, other_project);
  ASSERT_EQ(theirs.code, 0) << theirs.Describe();
  std::string their_id = theirs.Json()["id"];

  for (const char* group : {"volume", "snapshot", "backup"}) {
    CliRun refused = Cli({group, "list", "--all-projects"});
    ExpectRefused(refused, "PERMISSION_DENIED", "listing all projects is an admin operation");
  }
  std::vector<std::string> own = Ids(List("volume")["volumes"]);
  EXPECT_EQ(own, std::vector<std::string>{mine.id()});

  json all = List("volume", {"--all-projects", "--with-count"}, As::kOperator);
  std::vector<std::string> ids = Ids(all["volumes"]);
  EXPECT_NE(std::find(ids.begin(), ids.end(), mine.id()), ids.end());
  EXPECT_NE(std::find(ids.begin(), ids.end(), their_id), ids.end());
  EXPECT_GE(all["count"], 2);
  EXPECT_EQ(List("backup", {"--all-projects"}, As::kOperator)["backups"].is_array(), true);
  EXPECT_EQ(List("snapshot", {"--all-projects"}, As::kOperator)["snapshots"].is_array(), true);

  // Another project's record is not a marker a tenant may use...
  ExpectRefused(Cli({"volume", "list", "--marker", their_id}), "INVALID_ARGUMENT",
                "marker " + their_id + " is not a volume you can list");
  // ...but it is for the operator listing every project.
  EXPECT_EQ(Cli({"volume", "list", "--all-projects", "--marker", their_id}, As::kOperator).code, 0);
}

TEST_F(BackupctlListTest, BadPagingOptionsAreRefusedWithWhatToFix) {
  CreateVolume(1, "unchanged");
  for (const std::string group : {"volume", "snapshot", "backup"}) {
    SCOPED_TRACE(group);
    ExpectUsageError(Cli({group, "list", "--limit", "-1"}), "--limit must be a whole");
    ExpectUsageError(Cli({group, "list", "--limit", "ten"}), "--limit must be a whole");
    ExpectUsageError(Cli({group, "list", "--limit", "2.5"}), "--limit must be a whole");
    ExpectUsageError(Cli({group, "list", "--limit"}), "--limit needs a value");
    ExpectRefused(Cli({group, "list", "--sort", "colour"}), "INVALID_ARGUMENT",
                  "unknown sort key 'colour'; valid keys: created_at, updated_at, name, status, "
                  "size_gib, ");
    ExpectRefused(Cli({group, "list", "--sort", "name:up"}), "INVALID_ARGUMENT",
                  "sort direction 'up' of key name must be asc or desc");
    ExpectRefused(Cli({group, "list", "--sort", "name,name:desc"}), "INVALID_ARGUMENT",
                  "sort key name is given twice");
    ExpectRefused(Cli({group, "list", "--sort", "name,,id"}), "INVALID_ARGUMENT",
                  "sort has an empty key");
    ExpectRefused(Cli({group, "list", "--status", "bogus"}), "INVALID_ARGUMENT",
                  "status 'bogus' is not a " + group + " status; valid: creating, available");
    ExpectRefused(Cli({group, "list", "--marker", "not-a-uuid"}), "INVALID_ARGUMENT",
                  "marker 'not-a-uuid' is not a UUID (expected 8-4-4-4-12 hex digits)");
    std::string unknown = NewUuid();
    ExpectRefused(Cli({group, "list", "--marker", unknown}), "INVALID_ARGUMENT",
                  "marker " + unknown + " is not a " + group +
                      " you can list; give the next_marker of the previous page");
    ExpectRefused(Cli({group, "list", "--name", std::string(256, 'n')}), "INVALID_ARGUMENT",
                  "name is 256 bytes long; at most 255 are allowed");
  }
  // Keys of other resources, statuses of other resources, filters that need a UUID.
  ExpectRefused(Cli({"volume", "list", "--sort", "data_timestamp"}), "INVALID_ARGUMENT",
                "unknown sort key 'data_timestamp'");
  EXPECT_EQ(Cli({"backup", "list", "--sort", "data_timestamp:desc"}).code, 0);
  ExpectRefused(Cli({"snapshot", "list", "--status", "in-use"}), "INVALID_ARGUMENT",
                "status 'in-use' is not a snapshot status");
  ExpectRefused(Cli({"backup", "list", "--volume", "vol-1"}), "INVALID_ARGUMENT",
                "volume_id 'vol-1' is not a UUID");
  ExpectRefused(Cli({"snapshot", "list", "--volume", "vol-1"}), "INVALID_ARGUMENT",
                "volume_id 'vol-1' is not a UUID");
  CliRun no_volume_filter = Cli({"volume", "list", "--volume", NewUuid()});
  EXPECT_EQ(no_volume_filter.code, 2) << no_volume_filter.Describe();
  // With --json a refusal is also one JSON object on stderr.
  CliRun json_error = Cli({"--json", "backup", "list", "--sort", "colour"});
  EXPECT_EQ(json_error.code, 1);
  EXPECT_NE(json_error.err.find(R"({"error":{"code":"INVALID_ARGUMENT")"), std::string::npos)
      << json_error.Describe();

  // A negative limit cannot come from backupctl; over gRPC the daemon refuses it.
  v1::ListVolumesRequest request;
  request.mutable_page()->set_limit(-5);
  v1::ListVolumesResponse response;
  grpc::Status s = volumes_->ListVolumes(Ctx().get(), request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(),
            "limit -5 is negative; give 0 for the default page size (100) or 1 to 1000");
  // Refusals changed nothing.
  json after = List("volume", {"--with-count"});
  EXPECT_EQ(after["count"], 1);
  EXPECT_EQ(after["volumes"][0]["name"], "unchanged");
  EXPECT_EQ(after["volumes"][0]["status"], "available");
}

}  // namespace
}  // namespace bb::it
