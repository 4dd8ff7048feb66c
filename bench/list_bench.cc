// list_bench: how long a page of backups takes through BackupRepository::List with 100,000
// backups in one project and 100,000 more spread over 100 others, and which index serves it.
//
//   bb_list_bench [--conninfo CONNINFO] [--runs N] [--schema-dir DIR]
//
// Creates a scratch database on the server named by --conninfo (default: $BB_TEST_PG_CONNINFO),
// applies schema/ (the list indexes of 0003 included), fills it with generate_series, VACUUM
// ANALYZEs, then times each listing N times (after a warm-up) and prints median and p99 in ms,
// followed by the EXPLAIN ANALYZE plan of each. The scratch database is dropped at exit.
// Not part of tests/run.sh: it is built with everything and run by hand.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "backup_service/db/backup_repository.h"
#include "backup_service/db/testing/test_database.h"

namespace bb {
namespace {

constexpr char kProject[] = "bench";
constexpr int kProjectBackups = 100000;
constexpr int kOtherBackups = 100000;
constexpr int kOtherProjects = 100;
constexpr int kVolumes = 1000;  // of the bench project: 100 backups each

struct Options {
  std::string conninfo;
  std::string schema_dir = BB_SCHEMA_DIR;
  int runs = 50;
};

struct Case {
  std::string name;
  BackupFilter filter;
  PageRequest request;
};

int Usage(const char* why) {
  std::fprintf(stderr,
               "bb_list_bench: %s\nusage: bb_list_bench [--conninfo CONNINFO] [--runs N] "
               "[--schema-dir DIR]\n",
               why);
  return 2;
}

// The scratch data: deterministic, with the shapes that matter for the plans: 1 in 7 backups
// deleted (never listed), a few percent in error, creation times with ties (two backups per
// second), data_timestamp NULL for backups still creating, 1000 names.
const char* kFillSql = R"sql(
INSERT INTO backups (id, project_id, volume_id, name, status, container, host, size_gib,
                     data_timestamp, created_at, updated_at)
SELECT gen_random_uuid(),
       p.project,
       ('00000000-0000-4000-8000-' || lpad(to_hex(p.volume), 12, '0'))::uuid,
       'backup-' || (i % 1000),
       (ARRAY['available', 'available', 'available', 'available', 'error', 'creating',
              'deleted'])[1 + i % 7],
       'backups', 'bench-host', 1 + i % 16,
       CASE WHEN i % 7 = 5 THEN NULL ELSE timestamptz '2026-01-01' + i * interval '500 ms' END,
       timestamptz '2026-01-01' + (i / 2) * interval '1 s',
       timestamptz '2026-01-01' + (i / 2) * interval '1 s'
FROM generate_series(1, $1::int + $2::int) AS i,
     LATERAL (SELECT CASE WHEN i <= $1::int THEN 'bench' ELSE 'other-' || (i % $3::int) END
                         AS project,
                     CASE WHEN i <= $1::int THEN i % $4::int ELSE 100000 + i END AS volume) AS p
)sql";

Status Fill(testing::TestDatabase& tdb) {
  auto start = std::chrono::steady_clock::now();
  RETURN_IF_ERROR(tdb.db().InTransaction([&](pqxx::dbtransaction& txn) {
    txn.exec_params(kFillSql, kProjectBackups, kOtherBackups, kOtherProjects, kVolumes);
    return Status::Ok();
  }));
  try {
    pqxx::connection c(tdb.conninfo());
    pqxx::nontransaction n(c);
    n.exec("VACUUM ANALYZE backups");  // visibility map for index-only counts, fresh statistics
  } catch (const std::exception& e) {
    return Status::Internal(std::string("VACUUM ANALYZE: ") + e.what());
  }
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  std::printf("filled %d + %d backups (%d projects) in %.1f s\n\n", kProjectBackups, kOtherBackups,
              kOtherProjects + 1, took.count());
  return Status::Ok();
}

// The id 90% deep into the project's default listing: a marker for a page far from the start.
Result<std::string> DeepMarker(testing::TestDatabase& tdb) {
  std::string id;
  RETURN_IF_ERROR(tdb.db().InTransaction([&](pqxx::dbtransaction& txn) {
    auto r = txn.exec_params(
        "SELECT id::text FROM backups WHERE project_id = $1 AND status <> 'deleted' "
        "ORDER BY created_at DESC, id OFFSET $2 LIMIT 1",
        std::string(kProject), kProjectBackups * 6 / 7 * 9 / 10);
    id = r[0][0].as<std::string>();
    return Status::Ok();
  }));
  return id;
}

double Percentile(std::vector<double> ms, double p) {
  std::sort(ms.begin(), ms.end());
  size_t i = std::min(ms.size() - 1, static_cast<size_t>(p * static_cast<double>(ms.size())));
  return ms[i];
}

// Index lines of a plan ("Index Scan using backups_created on backups") and its execution time.
std::string PlanSummary(const std::string& plan) {
  std::string out;
  size_t start = 0;
  while (start < plan.size()) {
    size_t end = plan.find('\n', start);
    std::string line = plan.substr(start, end - start);
    bool keep = line.find("Index") != std::string::npos ||
                line.find("Seq Scan") != std::string::npos ||
                line.find("Sort") != std::string::npos ||
                line.find("Execution Time") != std::string::npos ||
                line.find("-- count") != std::string::npos;
    if (keep) out += "    " + line + "\n";
    start = end == std::string::npos ? plan.size() : end + 1;
  }
  return out;
}

int Run(const Options& options) {
  setenv("BB_TEST_PG_CONNINFO", options.conninfo.c_str(), 1);
  std::string why;
  auto tdb = testing::TestDatabase::Create(options.schema_dir, &why);
  if (!tdb) return Usage(why.c_str());
  if (Status st = Fill(*tdb); !st.ok()) {
    std::fprintf(stderr, "bb_list_bench: %s\n", st.ToString().c_str());
    return 1;
  }
  auto marker = DeepMarker(*tdb);
  if (!marker.ok()) {
    std::fprintf(stderr, "bb_list_bench: %s\n", marker.status().ToString().c_str());
    return 1;
  }
  const std::string volume = "00000000-0000-4000-8000-" + std::string(9, '0') + "02a";  // 42
  const std::vector<Case> cases = {
      {"first page, default sort", {.project_id = kProject}, {}},
      {"page 90% deep via marker", {.project_id = kProject}, {.marker = *marker}},
      {"status = error", {.project_id = kProject, .status = "error"}, {}},
      {"volume_id = one volume", {.project_id = kProject, .volume_id = volume}, {}},
      {"name = one name", {.project_id = kProject, .name = "backup-42"}, {}},
      {"sort name:asc", {.project_id = kProject}, {.sort = "name:asc"}},
      // Sort keys without an index of their own: the project's rows are scanned and top-N sorted.
      {"sort status:asc", {.project_id = kProject}, {.sort = "status:asc"}},
      {"sort size_gib:desc", {.project_id = kProject}, {.sort = "size_gib:desc"}},
      {"sort updated_at:asc", {.project_id = kProject}, {.sort = "updated_at:asc"}},
      {"sort data_timestamp:desc", {.project_id = kProject}, {.sort = "data_timestamp:desc"}},
      {"with_count", {.project_id = kProject}, {.with_count = true}},
      {"status = error, with_count",
       {.project_id = kProject, .status = "error"},
       {.with_count = true}},
      {"all_projects", {.project_id = kProject}, {.all_projects = true}},
      {"all_projects via marker",
       {.project_id = kProject},
       {.marker = *marker, .all_projects = true}},
  };

  BackupRepository repo(tdb->db(), "bench-host");
  std::printf("%-34s %6s %6s %10s %10s\n", "listing (limit 100)", "rows", "count", "median ms",
              "p99 ms");
  std::vector<std::string> plans;
  for (const auto& c : cases) {
    auto page = ResolvePage(c.request, kBackupSortKeys, ListLimits{});
    if (!page.ok()) {
      std::fprintf(stderr, "%s: %s\n", c.name.c_str(), page.status().ToString().c_str());
      return 1;
    }
    std::vector<double> ms;
    size_t rows = 0;
    int64_t count = -1;
    for (int i = -3; i < options.runs; ++i) {  // 3 warm-up runs
      auto start = std::chrono::steady_clock::now();
      auto result = repo.List(c.filter, *page);
      std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
      if (!result.ok()) {
        std::fprintf(stderr, "%s: %s\n", c.name.c_str(), result.status().ToString().c_str());
        return 1;
      }
      rows = result->records.size();
      count = result->count;
      if (i >= 0) ms.push_back(took.count());
    }
    std::printf("%-34s %6zu %6lld %10.2f %10.2f\n", c.name.c_str(), rows,
                static_cast<long long>(count), Percentile(ms, 0.5), Percentile(ms, 0.99));
    auto plan = repo.ExplainList(c.filter, *page);
    plans.push_back(c.name + ":\n" + (plan.ok() ? PlanSummary(*plan) : plan.status().ToString()));
  }
  std::printf("\nplans (EXPLAIN ANALYZE; index and sort nodes):\n");
  for (const auto& p : plans) std::printf("%s", p.c_str());
  return 0;
}

}  // namespace
}  // namespace bb

int main(int argc, char** argv) {
  bb::Options options;
  const char* env = std::getenv("BB_TEST_PG_CONNINFO");
  if (env != nullptr) options.conninfo = env;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc) return bb::Usage(("missing value after " + arg).c_str());
    std::string value = argv[++i];
    if (arg == "--conninfo") {
      options.conninfo = value;
    } else if (arg == "--schema-dir") {
      options.schema_dir = value;
    } else if (arg == "--runs") {
      options.runs = std::atoi(value.c_str());
      if (options.runs < 1) return bb::Usage("--runs must be at least 1");
    } else {
      return bb::Usage(("unknown argument " + arg).c_str());
    }
  }
  if (options.conninfo.empty()) return bb::Usage("give --conninfo or set BB_TEST_PG_CONNINFO");
  return bb::Run(options);
}
