// List paging against a real PostgreSQL (BB_TEST_PG_CONNINFO): every sort key and direction pages
// without overlap or gap across ties (checked against the order computed here from the records),
// filters, counts, visibility (projects, deleted backups, temporaries) and refused markers.
#include <gtest/gtest.h>

#include <algorithm>
#include <pqxx/pqxx>
#include <set>
#include <variant>

#include "backup_service/common/uuid.h"
#include "backup_service/db/backup_repository.h"
#include "backup_service/db/snapshot_repository.h"
#include "backup_service/db/testing/test_database.h"
#include "backup_service/db/volume_repository.h"

namespace bb {
namespace {

constexpr int kBackups = 23;

PageSpec Spec(std::span<const std::string_view> keys, const std::string& sort, int64_t limit,
              const std::string& marker = "", bool with_count = false, bool all = false) {
  auto page = ResolvePage({.sort = sort,
                           .limit = limit,
                           .marker = marker,
                           .with_count = with_count,
                           .all_projects = all},
                          keys, ListLimits{});
  EXPECT_TRUE(page.ok()) << sort << ": " << page.status().ToString();
  return page.ok() ? *page : PageSpec{};
}

// The value a backup sorts by under `key`, as this test understands the contract: a missing
// data_timestamp (0) sorts before every real one. Names and statuses are lower-case ASCII, so
// the database collation orders them as bytes do.
std::variant<int64_t, std::string> SortValue(const Backup& b, const std::string& key) {
  if (key == "created_at") return b.created_at;
  if (key == "updated_at") return b.updated_at;
  if (key == "name") return b.name;
  if (key == "status") return std::string(ToString(b.status));
  if (key == "size_gib") return b.size_gib;
  if (key == "data_timestamp") return b.data_timestamp;
  return b.id;  // canonical lower-case hex: byte order is uuid order
}

std::vector<std::string> ExpectedOrder(std::vector<Backup> all, const std::vector<SortTerm>& sort) {
  std::sort(all.begin(), all.end(), [&](const Backup& a, const Backup& b) {
    for (const auto& term : sort) {
      auto va = SortValue(a, term.key), vb = SortValue(b, term.key);
      if (va == vb) continue;
      return term.direction == SortDirection::kAsc ? va < vb : vb < va;
    }
    return false;
  });
  std::vector<std::string> ids;
  for (const auto& b : all) ids.push_back(b.id);
  return ids;
}

class ListRepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    tdb_ = testing::TestDatabase::Create(BB_SCHEMA_DIR, &why);
    if (!tdb_) GTEST_SKIP() << why;
    volumes_ = std::make_unique<VolumeRepository>(tdb_->db(), "host-a");
    snapshots_ = std::make_unique<SnapshotRepository>(tdb_->db(), "host-a");
    backups_ = std::make_unique<BackupRepository>(tdb_->db(), "host-a");
  }

  Volume MakeVolume(const std::string& project, const std::string& name = "vol",
                    bool temporary = false, VolumeStatus status = VolumeStatus::kAvailable) {
    Volume v;
    v.id = NewUuid();
    v.project_id = project;
    v.name = name;
    v.size_gib = 1;
    v.status = status;
    v.host = "host-a";
    EXPECT_TRUE(volumes_->Insert(v, temporary, "test").ok());
    return v;
  }

  Backup MakeBackup(const Volume& v, const std::string& name, int64_t size_gib = 1) {
    Backup b;
    b.id = NewUuid();
    b.project_id = v.project_id;
    b.volume_id = v.id;
    b.name = name;
    b.container = "backups";
    b.host = "host-a";
    b.size_gib = size_gib;
    EXPECT_TRUE(backups_->Insert(b, "test").ok());
    return b;
  }

  Snapshot MakeSnapshot(const Volume& v, const std::string& name, bool temporary = false) {
    Snapshot s;
    s.id = NewUuid();
    s.project_id = v.project_id;
    s.volume_id = v.id;
    s.name = name;
    s.size_gib = 1;
    s.status = SnapshotStatus::kAvailable;
    s.is_temporary = temporary;
    EXPECT_TRUE(snapshots_->Insert(s, "test", {VolumeStatus::kAvailable}).ok());
    return s;
  }

  void Sql(const std::string& statement) {
    Status st = tdb_->db().InTransaction([&](pqxx::dbtransaction& txn) {
      txn.exec(statement);
      return Status::Ok();
    });
    ASSERT_TRUE(st.ok()) << st.ToString();
  }

  // kBackups backups of project p1 with many ties in every sort key: 3 names, 5 statuses,
  // 2 sizes, 3 creation times, 2 update times, data_timestamp NULL or one of 2 values.
  std::vector<Backup> MakeTiedBackups() {
    Volume v = MakeVolume("p1");
    const char* names[] = {"alpha", "beta", "gamma"};
    const char* statuses[] = {"available", "creating", "error", "error_deleting", "restoring"};
    for (int i = 0; i < kBackups; ++i) {
      Backup b = MakeBackup(v, names[i % 3], 1 + i % 2);
      Sql("UPDATE backups SET status = '" + std::string(statuses[i % 5]) +
          "', created_at = '2026-01-0" + std::to_string(1 + i % 3) +
          " 10:00:00.123456+00', updated_at = '2026-02-0" + std::to_string(1 + i % 2) +
          " 00:00:00+00', data_timestamp = " +
          (i % 3 == 0 ? "NULL" : "'2026-03-0" + std::to_string(1 + i % 2) + " 00:00:00+00'") +
          " WHERE id = '" + b.id + "'");
    }
    auto all = backups_->List({.project_id = "p1"}, Spec(kBackupSortKeys, "", 1000));
    EXPECT_TRUE(all.ok()) << all.status().ToString();
    EXPECT_EQ(all->records.size(), static_cast<size_t>(kBackups));
    return all->records;
  }

  // Pages through the backups of p1 with `limit` per page; every page but the last is full.
  std::vector<std::string> PageThrough(const std::string& sort, int limit) {
    std::vector<std::string> ids;
    std::string marker;
    for (int pages = 0; pages <= kBackups; ++pages) {
      auto page = backups_->List({.project_id = "p1"}, Spec(kBackupSortKeys, sort, limit, marker));
      EXPECT_TRUE(page.ok()) << sort << ": " << page.status().ToString();
      if (!page.ok()) break;
      for (const auto& b : page->records) ids.push_back(b.id);
      EXPECT_EQ(page->limit, limit);
      EXPECT_EQ(page->count, -1);
      if (page->next_marker.empty()) break;
      EXPECT_EQ(static_cast<int>(page->records.size()), limit) << sort;
      EXPECT_EQ(page->next_marker, page->records.back().id);
      marker = page->next_marker;
    }
    return ids;
  }

  std::unique_ptr<testing::TestDatabase> tdb_;
  std::unique_ptr<VolumeRepository> volumes_;
  std::unique_ptr<SnapshotRepository> snapshots_;
  std::unique_ptr<BackupRepository> backups_;
};

TEST_F(ListRepositoryTest, EverySortKeyAndDirectionPagesWithoutOverlapOrGap) {
  std::vector<Backup> all = MakeTiedBackups();
  std::vector<std::string> specs;
  for (auto key : kBackupSortKeys) {
    specs.push_back(std::string(key) + ":asc");
    specs.push_back(std::string(key) + ":desc");
  }
  // Mixed directions need the expanded OR form of the marker condition.
  specs.insert(specs.end(), {"", "status:asc,name:desc", "size_gib:desc,created_at:asc",
                             "data_timestamp:desc,name,updated_at:desc", "name:desc,id:desc"});
  for (const auto& sort : specs) {
    std::vector<SortTerm> terms = Spec(kBackupSortKeys, sort, 1).sort;
    std::vector<std::string> expected = ExpectedOrder(all, terms);
    for (int limit : {1, 4, 7}) {
      std::vector<std::string> paged = PageThrough(sort, limit);
      EXPECT_EQ(std::set<std::string>(paged.begin(), paged.end()).size(), paged.size())
          << "overlap: sort " << sort << " limit " << limit;
      EXPECT_EQ(paged, expected) << "sort " << sort << " limit " << limit;
    }
  }
}

// offset skips records after the marker (or from the start) in the requested order and
// filters; next_marker is the last record returned, so the next page continues right after it.
TEST_F(ListRepositoryTest, OffsetSkipsInTheRequestedOrderAfterTheMarker) {
  std::vector<Backup> all = MakeTiedBackups();
  auto list = [&](const std::string& sort, int limit, const std::string& marker, int64_t offset,
                  const std::string& status = "") {
    auto spec = ResolvePage({.sort = sort, .limit = limit, .marker = marker, .offset = offset},
                            kBackupSortKeys, ListLimits{});
    EXPECT_TRUE(spec.ok()) << spec.status().ToString();
    auto page = backups_->List({.project_id = "p1", .status = status}, *spec);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    std::vector<std::string> ids;
    for (const auto& b : page->records) ids.push_back(b.id);
    return std::make_pair(ids, page->next_marker);
  };
  for (std::string sort : {"", "name:asc,size_gib:desc", "data_timestamp:desc"}) {
    std::vector<std::string> expected = ExpectedOrder(all, Spec(kBackupSortKeys, sort, 1).sort);
    auto [first, next] = list(sort, 4, "", 5);
    EXPECT_EQ(first, std::vector<std::string>(expected.begin() + 5, expected.begin() + 9)) << sort;
    EXPECT_EQ(next, expected[8]);
    // After a marker: offset counts from the record after it.
    auto [after, unused] = list(sort, 3, expected[2], 4);
    EXPECT_EQ(after, std::vector<std::string>(expected.begin() + 7, expected.begin() + 10)) << sort;
    // Past the end: empty, no next page; up to the end exactly: no next page either.
    auto [none, none_next] = list(sort, 3, "", kBackups);
    EXPECT_TRUE(none.empty());
    EXPECT_TRUE(none_next.empty());
    auto [tail, tail_next] = list(sort, 3, "", kBackups - 3);
    EXPECT_EQ(tail.size(), 3u);
    EXPECT_TRUE(tail_next.empty()) << sort;
  }
  // With a filter: the offset counts matching records only.
  std::vector<Backup> errors;
  for (const auto& b : all) {
    if (b.status == BackupStatus::kError) errors.push_back(b);
  }
  std::vector<std::string> expected = ExpectedOrder(errors, Spec(kBackupSortKeys, "id", 1).sort);
  auto [filtered, unused] = list("id", 100, "", 2, "error");
  EXPECT_EQ(filtered, std::vector<std::string>(expected.begin() + 2, expected.end()));
  // A negative offset never reaches SQL.
  EXPECT_FALSE(ResolvePage({.offset = -1}, kBackupSortKeys, ListLimits{}).ok());
}

TEST_F(ListRepositoryTest, BackupFiltersCountAndLastPage) {
  Volume v1 = MakeVolume("p1");
  Volume v2 = MakeVolume("p1");
  Volume other = MakeVolume("p2");
  for (int i = 0; i < 5; ++i) MakeBackup(v1, i < 2 ? "nightly" : "weekly");
  for (int i = 0; i < 3; ++i) MakeBackup(v2, "nightly");
  MakeBackup(other, "nightly");
  Backup deleted = MakeBackup(v1, "nightly");
  Sql("UPDATE backups SET status = 'deleted' WHERE id = '" + deleted.id + "'");
  Backup failed = MakeBackup(v2, "weekly");
  Sql("UPDATE backups SET status = 'error' WHERE id = '" + failed.id + "'");

  auto by_volume = backups_->List({.project_id = "p1", .volume_id = v1.id},
                                  Spec(kBackupSortKeys, "", 3, "", /*with_count=*/true));
  ASSERT_TRUE(by_volume.ok()) << by_volume.status().ToString();
  EXPECT_EQ(by_volume->records.size(), 3u);
  EXPECT_EQ(by_volume->count, 5);  // every page's matches, without the deleted one
  EXPECT_FALSE(by_volume->next_marker.empty());
  auto rest = backups_->List({.project_id = "p1", .volume_id = v1.id},
                             Spec(kBackupSortKeys, "", 3, by_volume->next_marker, true));
  ASSERT_TRUE(rest.ok()) << rest.status().ToString();
  EXPECT_EQ(rest->records.size(), 2u);
  EXPECT_TRUE(rest->next_marker.empty());  // last page
  EXPECT_EQ(rest->count, 5);

  auto nightly = backups_->List({.project_id = "p1", .name = "nightly"},
                                Spec(kBackupSortKeys, "", 100, "", true));
  ASSERT_TRUE(nightly.ok());
  EXPECT_EQ(nightly->count, 5);
  for (const auto& b : nightly->records) EXPECT_EQ(b.name, "nightly");

  auto errors = backups_->List({.project_id = "p1", .status = "error"},
                               Spec(kBackupSortKeys, "", 100, "", true));
  ASSERT_TRUE(errors.ok());
  ASSERT_EQ(errors->records.size(), 1u);
  EXPECT_EQ(errors->records[0].id, failed.id);
  EXPECT_EQ(errors->count, 1);

  auto combined =
      backups_->List({.project_id = "p1", .volume_id = v2.id, .name = "weekly", .status = "error"},
                     Spec(kBackupSortKeys, "", 100, "", true));
  ASSERT_TRUE(combined.ok());
  EXPECT_EQ(combined->count, 1);
  auto none = backups_->List({.project_id = "p1", .status = "deleted"},
                             Spec(kBackupSortKeys, "", 100, "", true));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->records.empty());  // deleted backups are never listed
  EXPECT_EQ(none->count, 0);

  auto everyone = backups_->List({.project_id = "p1", .name = "nightly"},
                                 Spec(kBackupSortKeys, "", 100, "", true, /*all=*/true));
  ASSERT_TRUE(everyone.ok());
  EXPECT_EQ(everyone->count, 6);  // p2's one too
  auto exact = backups_->List({.project_id = "p1"}, Spec(kBackupSortKeys, "", 10));
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(exact->records.size(), 9u);
  EXPECT_TRUE(exact->next_marker.empty());
}

TEST_F(ListRepositoryTest, MarkerMustBeAListableRecord) {
  Volume mine = MakeVolume("p1");
  Volume theirs = MakeVolume("p2");
  Backup a = MakeBackup(mine, "a");
  MakeBackup(mine, "b");
  Backup foreign = MakeBackup(theirs, "c");
  Backup deleted = MakeBackup(mine, "d");
  Sql("UPDATE backups SET status = 'deleted' WHERE id = '" + deleted.id + "'");

  auto other_project =
      backups_->List({.project_id = "p1"}, Spec(kBackupSortKeys, "", 10, foreign.id));
  ASSERT_FALSE(other_project.ok());
  EXPECT_EQ(other_project.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(other_project.status().message(),
            "marker " + foreign.id +
                " is not a backup you can list; give the next_marker of the previous page");
  EXPECT_EQ(backups_->List({.project_id = "p1"}, Spec(kBackupSortKeys, "", 10, deleted.id))
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(backups_->List({.project_id = "p1"}, Spec(kBackupSortKeys, "", 10, NewUuid()))
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  // Listing all projects, the other project's backup is a fine marker.
  EXPECT_TRUE(
      backups_->List({.project_id = "p1"}, Spec(kBackupSortKeys, "", 10, foreign.id, false, true))
          .ok());
  // A marker that no longer matches the filters still marks the position.
  Sql("UPDATE backups SET status = 'error' WHERE id = '" + a.id + "'");
  EXPECT_TRUE(
      backups_
          ->List({.project_id = "p1", .status = "creating"}, Spec(kBackupSortKeys, "", 10, a.id))
          .ok());
}

TEST_F(ListRepositoryTest, VolumesExcludeTemporariesAndListAttachmentsInOneQuery) {
  std::vector<Volume> made;
  for (int i = 0; i < 5; ++i) made.push_back(MakeVolume("p1", i % 2 ? "odd" : "even"));
  Volume clone = MakeVolume("p1", "even", /*temporary=*/true);
  MakeVolume("p2", "even");
  Sql("UPDATE volumes SET status = 'in-use' WHERE id = '" + made[1].id + "'");

  for (auto key : kVolumeSortKeys) {
    for (const char* dir : {":asc", ":desc"}) {
      std::vector<std::string> ids;
      std::string marker;
      do {
        auto page = volumes_->List({.project_id = "p1"},
                                   Spec(kVolumeSortKeys, std::string(key) + dir, 2, marker, true));
        ASSERT_TRUE(page.ok()) << key << dir << ": " << page.status().ToString();
        EXPECT_EQ(page->count, 5);
        for (const auto& v : page->records) ids.push_back(v.id);
        marker = page->next_marker;
      } while (!marker.empty() && ids.size() < 20);  // bounded: a broken marker repeats pages
      EXPECT_EQ(ids.size(), 5u) << key << dir;
      EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 5u) << key << dir;
      EXPECT_EQ(std::count(ids.begin(), ids.end(), clone.id), 0);
    }
  }
  auto odd = volumes_->List({.project_id = "p1", .name = "odd", .status = "in-use"},
                            Spec(kVolumeSortKeys, "", 10));
  ASSERT_TRUE(odd.ok());
  ASSERT_EQ(odd->records.size(), 1u);
  EXPECT_EQ(odd->records[0].id, made[1].id);
  EXPECT_EQ(
      volumes_->List({.project_id = "p1"}, Spec(kVolumeSortKeys, "", 10, clone.id)).status().code(),
      StatusCode::kInvalidArgument);

  for (const auto* volume : {&made[0], &made[0], &made[3]}) {
    Attachment a;
    a.id = NewUuid();
    a.volume_id = volume->id;
    a.attached_host = "host-a";
    ASSERT_TRUE(volumes_->InsertAttachment(a).ok());
  }
  auto attachments =
      volumes_->ListAttachments(std::vector<std::string>{made[0].id, made[2].id, made[3].id});
  ASSERT_TRUE(attachments.ok()) << attachments.status().ToString();
  EXPECT_EQ(attachments->size(), 2u);  // made[2] has none
  EXPECT_EQ((*attachments)[made[0].id].size(), 2u);
  EXPECT_EQ((*attachments)[made[3].id].size(), 1u);
  EXPECT_TRUE(volumes_->ListAttachments(std::vector<std::string>{})->empty());
}

TEST_F(ListRepositoryTest, SnapshotsExcludeTemporariesAndFilterByVolume) {
  Volume v1 = MakeVolume("p1");
  Volume v2 = MakeVolume("p1");
  for (int i = 0; i < 4; ++i) MakeSnapshot(v1, "s" + std::to_string(i));
  MakeSnapshot(v2, "s0");
  Snapshot temporary = MakeSnapshot(v1, "s0", /*temporary=*/true);

  for (auto key : kSnapshotSortKeys) {
    for (const char* dir : {":asc", ":desc"}) {
      std::vector<std::string> ids;
      std::string marker;
      do {
        auto page = snapshots_->List({.project_id = "p1", .volume_id = v1.id},
                                     Spec(kSnapshotSortKeys, std::string(key) + dir, 3, marker));
        ASSERT_TRUE(page.ok()) << key << dir << ": " << page.status().ToString();
        for (const auto& s : page->records) ids.push_back(s.id);
        marker = page->next_marker;
      } while (!marker.empty() && ids.size() < 20);  // bounded: a broken marker repeats pages
      EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 4u) << key << dir;
      EXPECT_EQ(ids.size(), 4u) << key << dir;
    }
  }
  auto named = snapshots_->List({.project_id = "p1", .name = "s0"},
                                Spec(kSnapshotSortKeys, "", 10, "", true));
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(named->count, 2);  // v1's and v2's, not the temporary one
  EXPECT_EQ(snapshots_->List({.project_id = "p1"}, Spec(kSnapshotSortKeys, "", 10, temporary.id))
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(
      snapshots_->List({.project_id = "p2"}, Spec(kSnapshotSortKeys, "", 10, "", true))->count, 0);
}

}  // namespace
}  // namespace bb
