#include "backup_service/model/list_query.h"

#include <gtest/gtest.h>

#include "backup_service/model/states.h"

namespace bb {
namespace {

constexpr SortDirection kAsc = SortDirection::kAsc;
constexpr SortDirection kDesc = SortDirection::kDesc;

std::vector<SortTerm> Parse(std::string_view spec) {
  auto terms = ParseSortSpec(spec, kBackupSortKeys);
  EXPECT_TRUE(terms.ok()) << spec << ": " << terms.status().ToString();
  return terms.ok() ? *terms : std::vector<SortTerm>{};
}

Status ParseError(std::string_view spec) {
  auto terms = ParseSortSpec(spec, kVolumeSortKeys);
  EXPECT_FALSE(terms.ok()) << spec;
  if (terms.ok()) return Status::Ok();
  EXPECT_EQ(terms.status().code(), StatusCode::kInvalidArgument);
  return terms.status();
}

TEST(ListQueryTest, EmptySortIsNewestFirstWithIdTieBreaker) {
  std::vector<SortTerm> expected = {{"created_at", kDesc}, {"id", kAsc}};
  EXPECT_EQ(Parse(""), expected);
  EXPECT_EQ(Parse("  "), expected);
}

TEST(ListQueryTest, KeysDirectionsAndBlanks) {
  std::vector<SortTerm> expected = {{"name", kAsc}, {"size_gib", kDesc}, {"id", kAsc}};
  EXPECT_EQ(Parse("name,size_gib:desc"), expected);
  EXPECT_EQ(Parse(" name : asc , size_gib:desc "), expected);
  EXPECT_EQ(Parse("data_timestamp"),
            (std::vector<SortTerm>{{"data_timestamp", kAsc}, {"id", kAsc}}));
}

TEST(ListQueryTest, IdGivenIsTheLastTermAndKeepsItsDirection) {
  EXPECT_EQ(Parse("id:desc"), (std::vector<SortTerm>{{"id", kDesc}}));
  // Keys after the (unique) id cannot change the order: dropped.
  EXPECT_EQ(Parse("status,id:desc,name"), (std::vector<SortTerm>{{"status", kAsc}, {"id", kDesc}}));
}

TEST(ListQueryTest, BadSortSpecsSayWhatToFix) {
  Status unknown = ParseError("colour:asc");
  EXPECT_EQ(unknown.message(),
            "unknown sort key 'colour'; valid keys: created_at, updated_at, name, status, "
            "size_gib, id");
  // A key of another resource is unknown here.
  EXPECT_NE(ParseError("data_timestamp").message().find("unknown sort key 'data_timestamp'"),
            std::string::npos);
  EXPECT_EQ(ParseError("name:up").message(), "sort direction 'up' of key name must be asc or desc");
  EXPECT_EQ(ParseError("name:").message(), "sort direction '' of key name must be asc or desc");
  EXPECT_EQ(ParseError("name:ASC").message(),
            "sort direction 'ASC' of key name must be asc or desc");
  EXPECT_EQ(ParseError("name:asc:desc").message(),
            "sort direction 'asc:desc' of key name must be asc or desc");
  EXPECT_EQ(ParseError("name,name:desc").message(),
            "sort key name is given twice; give each key once");
  EXPECT_NE(ParseError("name,,id").message().find("empty key"), std::string::npos);
  EXPECT_NE(ParseError(",").message().find("empty key"), std::string::npos);
  EXPECT_NE(ParseError(":desc").message().find("empty key"), std::string::npos);
  EXPECT_NE(ParseError(std::string(1001, 'a')).message().find("at most 1000"), std::string::npos);
  // Quoted user text is cut, so a huge value cannot flood logs and terminals.
  EXPECT_LT(ParseError(std::string(900, 'x')).message().size(), 200u);
  // Case matters: keys are identifiers, not words.
  EXPECT_NE(ParseError("Name").message().find("unknown sort key 'Name'"), std::string::npos);
  EXPECT_NE(ParseError("created_at desc").message().find("unknown sort key 'created_at desc'"),
            std::string::npos);
}

TEST(ListQueryTest, LimitDefaultCapAndNegative) {
  ListLimits limits{.default_limit = 25, .max_limit = 200};
  EXPECT_EQ(*ResolveLimit(0, limits), 25);
  EXPECT_EQ(*ResolveLimit(1, limits), 1);
  EXPECT_EQ(*ResolveLimit(200, limits), 200);
  EXPECT_EQ(*ResolveLimit(201, limits), 200);
  EXPECT_EQ(*ResolveLimit(int64_t{1} << 40, limits), 200);
  auto negative = ResolveLimit(-1, limits);
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(negative.status().message(),
            "limit -1 is negative; give 0 for the default page size (25) or 1 to 200");
}

TEST(ListQueryTest, ResolvePageChecksEveryField) {
  ListLimits limits;
  PageRequest request{.sort = "name:desc",
                      .limit = 5000,
                      .marker = "123E4567-E89B-12D3-A456-426614174000",
                      .with_count = true,
                      .all_projects = true};
  auto page = ResolvePage(request, kSnapshotSortKeys, limits);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->sort, (std::vector<SortTerm>{{"name", kDesc}, {"id", kAsc}}));
  EXPECT_EQ(page->limit, 1000);
  EXPECT_EQ(page->marker, request.marker);
  EXPECT_TRUE(page->with_count);
  EXPECT_TRUE(page->all_projects);

  request.marker = "not-a-uuid";
  auto bad_marker = ResolvePage(request, kSnapshotSortKeys, limits);
  ASSERT_FALSE(bad_marker.ok());
  EXPECT_EQ(bad_marker.status().message(),
            "marker 'not-a-uuid' is not a UUID (expected 8-4-4-4-12 hex digits)");
  request.marker = "";
  request.limit = -3;
  EXPECT_EQ(ResolvePage(request, kSnapshotSortKeys, limits).status().code(),
            StatusCode::kInvalidArgument);
  request.limit = 0;
  request.sort = "bogus";
  EXPECT_EQ(ResolvePage(request, kSnapshotSortKeys, limits).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(ListQueryTest, StatusFilterMustBeAStatusOfTheResource) {
  EXPECT_TRUE(ValidateStatusFilter("backup", "", BackupStatusNames()).ok());
  EXPECT_TRUE(ValidateStatusFilter("backup", "error_deleting", BackupStatusNames()).ok());
  EXPECT_TRUE(ValidateStatusFilter("volume", "in-use", VolumeStatusNames()).ok());
  Status wrong = ValidateStatusFilter("snapshot", "in-use", SnapshotStatusNames());
  EXPECT_EQ(wrong.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(wrong.message(),
            "status 'in-use' is not a snapshot status; valid: creating, available, backing-up, "
            "deleting, error");
  EXPECT_EQ(BackupStatusNames().size(), 7u);
  EXPECT_EQ(VolumeStatusNames().size(), 10u);
  for (auto name : VolumeStatusNames()) EXPECT_TRUE(ParseVolumeStatus(name).has_value()) << name;
  for (auto name : BackupStatusNames()) EXPECT_TRUE(ParseBackupStatus(name).has_value()) << name;
}

}  // namespace
}  // namespace bb
