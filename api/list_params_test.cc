#include "api/list_params.h"

#include <gtest/gtest.h>

namespace bb::api {
namespace {

ApiRequest Request(std::multimap<std::string, std::string> query, ApiVersion v = {3, 45},
                   ApiRole role = ApiRole::kMember) {
  ApiRequest r;
  r.path = "/v3/p1/backups/detail";
  r.base_url = "http://127.0.0.1:8776";
  r.query = std::move(query);
  r.version = v;
  r.caller = {.user_id = "u", .project_id = "p1", .role = role};
  return r;
}

TEST(ListParamsTest, FiltersPagingAndSort) {
  auto p = ParseListParams(Request({{"status", "available"},
                                    {"limit", "2"},
                                    {"marker", "m"},
                                    {"sort", "size:asc,created_at"},
                                    {"with_count", "true"}}),
                           {"name", "status", "volume_id"});
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->filters.at("status"), "available");
  EXPECT_EQ(p->page.limit, 2);
  EXPECT_EQ(p->page.marker, "m");
  EXPECT_EQ(p->page.sort, "size_gib:asc,created_at");
  EXPECT_TRUE(p->page.with_count);
}

TEST(ListParamsTest, LegacySortKeyAndDir) {
  auto p = ParseListParams(Request({{"sort_key", "name"}, {"sort_dir", "asc"}}), {"name"});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->page.sort, "name:asc");
  EXPECT_FALSE(ParseListParams(Request({{"sort_key", "name"}, {"sort", "name"}}), {}).ok());
}

TEST(ListParamsTest, BadInputIs400) {
  for (const auto& [k, v] :
       std::vector<std::pair<std::string, std::string>>{{"limit", "-1"},
                                                        {"limit", "ten"},
                                                        {"limit", ""},
                                                        {"offset", "-1"},
                                                        {"offset", "x"},
                                                        {"offset", ""},
                                                        {"offset", "1.5"},
                                                        {"offset", "2147483648"},
                                                        {"color", "red"},
                                                        {"with_count", "maybe"}}) {
    auto p = ParseListParams(Request({{k, v}}), {"name"});
    ASSERT_FALSE(p.ok()) << k << "=" << v;
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument) << k << "=" << v;
  }
}

TEST(ListParamsTest, OffsetIsANonNegativeIntegerWithOslosMessages) {
  auto p = ParseListParams(Request({{"offset", "5"}, {"limit", "2"}, {"sort", "name"}}), {});
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->page.offset, 5);
  EXPECT_EQ(p->page.limit, 2);
  EXPECT_EQ(ParseListParams(Request({{"offset", "0"}}), {})->page.offset, 0);
  EXPECT_EQ(ParseListParams(Request({{"offset", "-0"}}), {})->page.offset, 0);
  EXPECT_EQ(ParseListParams(Request({{"offset", "2147483647"}}), {})->page.offset, 2147483647);
  EXPECT_EQ(ParseListParams(Request({{"offset", "x"}}), {}).status().message(),
            "offset must be an integer");
  EXPECT_EQ(ParseListParams(Request({{"offset", "-3"}}), {}).status().message(),
            "offset must be >= 0");
  EXPECT_EQ(ParseListParams(Request({{"offset", "99999999999999999999"}}), {}).status().message(),
            "offset must be <= 2147483647");
}

TEST(ListParamsTest, NextLinkDropsTheOffset) {
  auto links = NextLinks(Request({{"limit", "2"}, {"offset", "3"}}), "m");
  EXPECT_EQ(links[0]["href"], "http://127.0.0.1:8776/v3/p1/backups/detail?limit=2&marker=m");
}

TEST(ListParamsTest, UnknownFiltersIgnoredBefore331) {
  EXPECT_TRUE(ParseListParams(Request({{"color", "red"}}, {3, 30}), {"name"}).ok());
}

TEST(ListParamsTest, AllTenantsIsIgnoredUnlessAdmin) {
  auto p = ParseListParams(Request({{"all_tenants", "1"}}), {});
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->page.all_projects);
  auto admin = ParseListParams(Request({{"all_tenants", "1"}}, {3, 45}, ApiRole::kAdmin), {});
  ASSERT_TRUE(admin.ok());
  EXPECT_TRUE(admin->page.all_projects);
  EXPECT_FALSE(ParseListParams(Request({{"all_tenants", "maybe"}}), {}).ok());
}

TEST(ListParamsTest, NextLinkKeepsTheQueryAndReplacesTheMarker) {
  auto r = Request({{"limit", "2"}, {"marker", "old"}, {"name", "a b"}});
  auto links = NextLinks(r, "new-id");
  ASSERT_TRUE(links.is_array());
  EXPECT_EQ(links[0]["rel"], "next");
  EXPECT_EQ(links[0]["href"],
            "http://127.0.0.1:8776/v3/p1/backups/detail?limit=2&name=a%20b&marker=new-id");
  EXPECT_TRUE(NextLinks(r, "").is_null());
}

}  // namespace
}  // namespace bb::api
