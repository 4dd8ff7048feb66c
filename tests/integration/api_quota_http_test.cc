// Backup quotas and list offsets over the REST API against a real backupd and PostgreSQL:
// os-quota-sets (show with usage, defaults, update, delete) as the cinder client calls them,
// 413 with Cinder's overLimit body and Retry-After, parallel creates against a quota leave
// exactly the quota, a delete gives the quota back, and offset pagination with sort, filters
// and next links.
#include <latch>
#include <mutex>

#include "tests/integration/api_fixture.h"

namespace bb::it {
namespace {

class ApiQuotaTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (HasFatalFailure() || IsSkipped()) return;
    admin_ = Token(project_, "admin");
  }
  HttpResponse PostBackup(const std::string& volume, const std::string& name = "") {
    return Post("/backups",
                R"({"backup": {"volume_id": ")" + volume + R"(", "name": ")" + name + R"("}})");
  }
  std::string AvailableBackup(const std::string& volume, const std::string& name = "") {
    HttpResponse r = PostBackup(volume, name);
    EXPECT_EQ(r.status, 202) << r.Describe();
    std::string id = r.Json()["backup"].value("id", "");
    EXPECT_EQ(WaitBackup(id, "creating").value("status", ""), "available");
    return id;
  }
  HttpResponse SetQuota(const std::string& quota_set, const std::string& token = "") {
    return Call("PUT", "/os-quota-sets/" + project_, token.empty() ? admin_ : token,
                R"({"quota_set": )" + quota_set + "}");
  }
  std::vector<std::string> Names(const HttpResponse& r) {
    std::vector<std::string> out;
    nlohmann::json body = r.Json();  // held: a range over a temporary's member would dangle
    for (const auto& b : body["backups"]) out.push_back(b.value("name", ""));
    return out;
  }

  std::string admin_;
};

TEST_F(ApiQuotaTest, QuotaSetsShowUpdateUsageAndDelete) {
  // What `cinder quota-show` asks for: ?usage=False.
  HttpResponse shown = Get("/os-quota-sets/" + project_ + "?usage=False");
  ASSERT_EQ(shown.status, 200) << shown.Describe();
  EXPECT_EQ(shown.Json(), nlohmann::json::parse(R"({"quota_set": {"id": ")" + project_ +
                                                R"(", "backups": 10, "backup_gigabytes": 1000}})"));
  HttpResponse defaults = Get("/os-quota-sets/" + project_ + "/defaults");
  EXPECT_EQ(defaults.Json()["quota_set"]["backups"], 10) << defaults.Describe();
  // Policy: a member reads only its own project's quotas and changes none.
  ExpectError(Get("/os-quota-sets/someone_else"), 403, "forbidden", "quotas:show");
  ExpectError(SetQuota(R"({"backups": 5})", member_), 403, "forbidden", "Policy doesn't allow");
  ExpectError(Call("DELETE", "/os-quota-sets/" + project_, member_), 403, "forbidden",
              "Policy doesn't allow");
  EXPECT_EQ(Call("GET", "/os-quota-sets/someone_else", admin_).status, 200);

  // Bad bodies change nothing.
  ExpectError(SetQuota(R"({"volumes": 5, "backups": 1})"), 400, "badRequest",
              "Bad key(s) in quota set: volumes");
  ExpectError(SetQuota(R"({"backups": "x"})"), 400, "badRequest", "backups must be an integer");
  ExpectError(SetQuota(R"({"backups": -2})"), 400, "badRequest", "backups must be >= -1");
  ExpectError(SetQuota("{}"), 400, "badRequest", "quota_set");
  ExpectError(Get("/os-quota-sets/" + project_ + "?usage=maybe"), 400, "badRequest", "usage");
  EXPECT_EQ(Get("/os-quota-sets/" + project_).Json()["quota_set"]["backups"], 10);

  // What `cinder quota-update --backups 2 P` sends (tenant_id included).
  HttpResponse updated =
      SetQuota(R"({"tenant_id": ")" + project_ + R"(", "backups": 2, "backup_gigabytes": "50"})");
  ASSERT_EQ(updated.status, 200) << updated.Describe();
  EXPECT_EQ(updated.Json(),
            nlohmann::json::parse(R"({"quota_set": {"backups": 2, "backup_gigabytes": 50}})"));

  std::string volume = ApiVolume(1, "v");
  std::string first = AvailableBackup(volume);
  AvailableBackup(volume);
  HttpResponse over = PostBackup(volume);
  EXPECT_EQ(over.status, 413) << over.Describe();
  EXPECT_EQ(over.Json(), nlohmann::json::parse(R"({"overLimit": {"code": 413, "message":
      "BackupLimitExceeded: Maximum number of backups allowed (2) exceeded", "retryAfter": "0"}})"))
      << over.Describe();
  EXPECT_EQ(over.headers["retry-after"], "0");
  EXPECT_EQ(Get("/volumes/" + volume).Json()["volume"]["status"], "available");  // untouched

  // `cinder quota-usage`: limit, in_use, reserved per key.
  HttpResponse usage = Get("/os-quota-sets/" + project_ + "?usage=True");
  ASSERT_EQ(usage.status, 200) << usage.Describe();
  EXPECT_EQ(usage.Json()["quota_set"]["backups"],
            nlohmann::json::parse(R"({"limit": 2, "in_use": 2, "reserved": 0})"));
  EXPECT_EQ(usage.Json()["quota_set"]["backup_gigabytes"],
            nlohmann::json::parse(R"({"limit": 50, "in_use": 2, "reserved": 0})"));
  ExpectError(SetQuota(R"({"backups": 1})"), 400, "badRequest",
              "Quota backups limit must be equal or greater than existing resources. Current "
              "usage is 2 and the requested limit is 1.");

  // A backup in error still holds its quota (as in Cinder); deleting it gives it back.
  EXPECT_EQ(
      Post("/backups/" + first + "/action", R"({"os-reset_status": {"status": "error"}})", admin_)
          .status,
      202);
  EXPECT_EQ(PostBackup(volume).status, 413);
  EXPECT_EQ(Call("DELETE", "/backups/" + first, member_).status, 202);
  nlohmann::json gone = WaitBackup(first, "deleting");
  EXPECT_TRUE(gone.contains("itemNotFound")) << gone.dump();
  AvailableBackup(volume);

  // The gigabytes quota: the source volume's size counts.
  ASSERT_EQ(SetQuota(R"({"backups": -1, "backup_gigabytes": 3})").status, 200);
  std::string big = ApiVolume(2, "big");
  ExpectError(PostBackup(big), 413, "overLimit",
              "VolumeBackupSizeExceedsAvailableQuota: Requested backup exceeds allowed Backup "
              "gigabytes quota. Requested 2G, quota is 3G and 2G has been consumed.");

  // quota-delete: back to the defaults.
  HttpResponse reset = Call("DELETE", "/os-quota-sets/" + project_, admin_);
  EXPECT_EQ(reset.status, 200) << reset.Describe();
  EXPECT_EQ(Get("/os-quota-sets/" + project_).Json()["quota_set"]["backup_gigabytes"], 1000);
  AvailableBackup(big);
}

TEST_F(ApiQuotaTest, ParallelCreatesAgainstAQuotaLeaveExactlyTheQuota) {
  constexpr int kQuota = 3;
  constexpr int kCalls = 8;
  ASSERT_EQ(SetQuota(R"({"backups": 3})").status, 200);
  std::vector<std::string> volumes;  // one each: a volume takes one backup at a time
  for (int i = 0; i < kCalls; ++i) volumes.push_back(ApiVolume(1, "p" + std::to_string(i)));
  std::latch start(kCalls);
  std::mutex mu;
  std::vector<HttpResponse> responses;
  std::vector<std::thread> threads;
  for (int i = 0; i < kCalls; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      HttpResponse r = PostBackup(volumes[i]);
      std::lock_guard<std::mutex> lock(mu);
      responses.push_back(r);
    });
  }
  for (auto& t : threads) t.join();
  std::vector<std::string> created;
  int over = 0;
  for (const auto& r : responses) {
    if (r.status == 202) {
      created.push_back(r.Json()["backup"].value("id", ""));
    } else {
      ++over;
      ExpectError(r, 413, "overLimit", "Maximum number of backups allowed (3) exceeded");
      EXPECT_EQ(r.headers.at("retry-after"), "0");
    }
  }
  EXPECT_EQ(created.size(), static_cast<size_t>(kQuota));
  EXPECT_EQ(over, kCalls - kQuota);
  for (const auto& id : created)
    EXPECT_EQ(WaitBackup(id, "creating").value("status", ""), "available");
  HttpResponse listed = Get("/backups?with_count=true");
  EXPECT_EQ(listed.Json()["count"], kQuota) << listed.Describe();
  EXPECT_EQ(
      Get("/os-quota-sets/" + project_ + "?usage=true").Json()["quota_set"]["backups"]["in_use"],
      kQuota);
}

TEST_F(ApiQuotaTest, OffsetPaginationWithSortFiltersAndNextLinks) {
  std::string volume = ApiVolume(1, "v");
  for (const char* name : {"b0", "b1", "b2", "b3", "b4"}) AvailableBackup(volume, name);

  HttpResponse page = Get("/backups?sort=name:asc&limit=2&offset=1");
  ASSERT_EQ(page.status, 200) << page.Describe();
  EXPECT_EQ(Names(page), (std::vector<std::string>{"b1", "b2"}));
  std::string next = page.Json()["backups_links"][0]["href"];
  EXPECT_EQ(next.find("offset"), std::string::npos) << next;  // the marker places the next page
  HttpResponse rest = HttpRequest("GET", next, {"X-Auth-Token: " + member_});
  EXPECT_EQ(Names(rest), (std::vector<std::string>{"b3", "b4"})) << rest.Describe();
  EXPECT_FALSE(rest.Json().contains("backups_links"));

  // Descending, detail, a filter, with_count (counts every match, not the page).
  HttpResponse desc =
      Call("GET", "/backups/detail?sort=name:desc&offset=3&with_count=true", member_);
  EXPECT_EQ(Names(desc), (std::vector<std::string>{"b1", "b0"})) << desc.Describe();
  EXPECT_EQ(desc.Json()["count"], 5);
  EXPECT_EQ(Names(Get("/backups?status=available&sort=name&offset=4")),
            (std::vector<std::string>{"b4"}));
  EXPECT_TRUE(Names(Get("/backups?name=b2&offset=1")).empty());
  EXPECT_TRUE(Names(Get("/backups?offset=5")).empty());
  // After a marker: the offset counts from the record after it.
  std::string b1 = page.Json()["backups"][0]["id"];
  EXPECT_EQ(Names(Get("/backups?sort=name:asc&marker=" + b1 + "&offset=1&limit=1")),
            (std::vector<std::string>{"b3"}));

  ExpectError(Get("/backups?offset=-1"), 400, "badRequest", "offset must be >= 0");
  ExpectError(Get("/backups?offset=abc"), 400, "badRequest", "offset must be an integer");
  ExpectError(Get("/backups/detail?offset=1.5"), 400, "badRequest", "offset must be an integer");
  ExpectError(Get("/backups?offset=2147483648"), 400, "badRequest", "offset must be <= 2147483647");
}

}  // namespace
}  // namespace bb::it
