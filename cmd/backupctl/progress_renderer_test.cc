// Tests for ProgressRenderer: formats, the plain-line throttle (fake clock), the bar's width, JSON.
#include "cmd/backupctl/progress_renderer.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace bb::cli {
namespace {

constexpr int64_t kMiB = int64_t{1} << 20;
constexpr int64_t kGiB = int64_t{1} << 30;

v1::Progress Msg(const std::string& phase, int64_t done, int64_t total, double mbps = 0) {
  v1::Progress p;
  p.set_backup_id("3f2a1b7c-0000-4000-8000-000000000001");
  p.set_operation("create");
  p.set_phase(phase);
  p.set_bytes_done(done);
  p.set_bytes_total(total);
  p.set_mb_per_s(mbps);
  p.set_status(phase == "done" ? "available" : "creating");
  return p;
}

TEST(ProgressRendererTest, Formats) {
  EXPECT_EQ(FormatBytes(460 * kMiB, kGiB), "460/1024 MiB");
  EXPECT_EQ(FormatBytes(5 * kGiB, 20 * kGiB), "5.0/20.0 GiB");
  EXPECT_EQ(FormatPercent(460 * kMiB, kGiB), "44%");
  EXPECT_EQ(FormatPercent(1, 0), "");
  EXPECT_EQ(FormatEta(0, 100'000'000, 10), "ETA 10s");
  EXPECT_EQ(FormatEta(0, 1'000'000'000, 10), "ETA 1m40s");
  EXPECT_EQ(FormatEta(0, 100'000'000'000, 10), "ETA 2h46m");
  EXPECT_EQ(FormatEta(10, 10, 10), "");
  EXPECT_EQ(FormatEta(0, 10, 0), "");
  EXPECT_EQ(PlainLine(Msg("copy", 460 * kMiB, kGiB, 120.34)),
            "backup 3f2a1b7c-0000-4000-8000-000000000001 create: copy 44% 460/1024 MiB "
            "120.3 MB/s");
  v1::Progress failed = Msg("error", 0, kGiB);
  failed.set_fail_reason("chunk missing");
  EXPECT_EQ(PlainLine(failed),
            "backup 3f2a1b7c-0000-4000-8000-000000000001 create: error: chunk missing");
  EXPECT_EQ(PlainLine(Msg("done", kGiB, kGiB, 50)),
            "backup 3f2a1b7c-0000-4000-8000-000000000001 create: done 100% 1024/1024 MiB "
            "50.0 MB/s (available)");
}

TEST(ProgressRendererTest, PlainLinesAtMostEveryTwoSecondsPlusPhaseChangesAndTheEnd) {
  ProgressRenderer r(ProgressStyle::kLines);
  auto t0 = ProgressRenderer::Clock::time_point{};
  using std::chrono::milliseconds;
  EXPECT_NE(r.Update(Msg("queued", 0, kGiB), t0), "");
  EXPECT_NE(r.Update(Msg("copy", 1, kGiB), t0 + milliseconds(500)), "");  // phase change
  EXPECT_EQ(r.Update(Msg("copy", 2, kGiB), t0 + milliseconds(1000)), "");
  EXPECT_EQ(r.Update(Msg("copy", 3, kGiB), t0 + milliseconds(2000)), "");
  std::string due = r.Update(Msg("copy", 4, kGiB), t0 + milliseconds(2500));
  EXPECT_NE(due, "");
  EXPECT_EQ(due.back(), '\n');
  EXPECT_EQ(due.find('\r'), std::string::npos);
  EXPECT_NE(r.Update(Msg("done", kGiB, kGiB), t0 + milliseconds(2600)), "");
  EXPECT_EQ(r.Finish(), "");  // lines need no closing newline
}

TEST(ProgressRendererTest, BarIsRedrawnInPlaceWithinTheWidthAndEndsWithANewline) {
  ProgressRenderer r(ProgressStyle::kBar, 100);
  auto now = ProgressRenderer::Clock::time_point{};
  std::string half = r.Update(Msg("copy", 512 * kMiB, kGiB, 100), now);
  ASSERT_EQ(half.front(), '\r');
  EXPECT_EQ(half.size(), 100u);  // \r + 99 columns: never wraps
  EXPECT_EQ(half.find('\n'), std::string::npos);
  EXPECT_NE(half.find("50%"), std::string::npos);
  EXPECT_NE(half.find("ETA"), std::string::npos);
  EXPECT_NE(half.find("#"), std::string::npos);
  std::string done = r.Update(Msg("done", kGiB, kGiB, 100), now);
  EXPECT_NE(done.find("100%"), std::string::npos);
  size_t open = done.find('['), close = done.find(']');
  ASSERT_NE(close, std::string::npos) << done;
  EXPECT_EQ(done.substr(open + 1, close - open - 1).find('.'), std::string::npos) << done;
  EXPECT_EQ(r.Finish(), "\n");
  EXPECT_EQ(r.Finish(), "");

  ProgressRenderer narrow(ProgressStyle::kBar, 20);
  EXPECT_EQ(narrow.Update(Msg("copy", 1, kGiB), now).size(), 20u);
}

TEST(ProgressRendererTest, JsonLinePerMessage) {
  ProgressRenderer r(ProgressStyle::kJson);
  auto now = ProgressRenderer::Clock::time_point{};
  std::string a = r.Update(Msg("copy", 5, 10, 1.5), now);
  std::string b = r.Update(Msg("copy", 6, 10, 1.5), now);  // no throttle
  ASSERT_EQ(a.back(), '\n');
  ASSERT_FALSE(b.empty());
  auto j = nlohmann::json::parse(a);
  EXPECT_EQ(j["backup_id"], "3f2a1b7c-0000-4000-8000-000000000001");
  EXPECT_EQ(j["operation"], "create");
  EXPECT_EQ(j["phase"], "copy");
  EXPECT_EQ(j["bytes_done"], 5);
  EXPECT_EQ(j["bytes_total"], 10);
  EXPECT_EQ(j["mb_per_s"], 1.5);
  EXPECT_EQ(j["status"], "creating");
  EXPECT_EQ(r.Finish(), "");
}

TEST(ProgressRendererTest, NoneDrawsNothing) {
  ProgressRenderer r(ProgressStyle::kNone);
  EXPECT_EQ(r.Update(Msg("copy", 5, 10), {}), "");
  EXPECT_EQ(r.Finish(), "");
}

}  // namespace
}  // namespace bb::cli
