// Tests for JobRegistry: registration, one job per backup, phases, speed, removal by the handle.
#include "backup_service/manager/job_registry.h"

#include <gtest/gtest.h>

#include <thread>

namespace bb {
namespace {

TEST(JobRegistryTest, HandleRegistersAndRemoves) {
  JobRegistry registry;
  {
    auto handle = registry.Register("b1", JobOperation::kCreate);
    ASSERT_NE(handle, nullptr);
    auto p = registry.Find("b1");
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->operation, JobOperation::kCreate);
    EXPECT_EQ(p->phase, JobPhase::kQueued);
    EXPECT_TRUE(registry.IsActive("b1"));
    EXPECT_FALSE(registry.IsActive("b2"));
  }
  EXPECT_FALSE(registry.IsActive("b1"));
  EXPECT_EQ(registry.size(), 0u);
}

TEST(JobRegistryTest, OneJobPerBackup) {
  JobRegistry registry;
  auto first = registry.Register("b1", JobOperation::kRestore);
  EXPECT_EQ(registry.Register("b1", JobOperation::kDelete), nullptr);
  first.reset();
  EXPECT_NE(registry.Register("b1", JobOperation::kDelete), nullptr);
}

TEST(JobRegistryTest, CancelReachesTheJobsHandleOnly) {
  JobRegistry registry;
  auto one = registry.Register("b1", JobOperation::kCreate);
  auto two = registry.Register("b2", JobOperation::kRestore);
  EXPECT_FALSE(one->cancel_requested());
  EXPECT_TRUE(registry.RequestCancel("b1"));
  EXPECT_TRUE(one->cancel_requested());
  EXPECT_FALSE(two->cancel_requested());
  EXPECT_FALSE(registry.RequestCancel("b3"));  // no job here
  one.reset();
  EXPECT_FALSE(registry.RequestCancel("b1"));  // ended
  // A new job on the same backup starts uncancelled.
  auto again = registry.Register("b1", JobOperation::kDelete);
  EXPECT_FALSE(again->cancel_requested());
}

TEST(JobRegistryTest, PhasesBytesAndSpeed) {
  JobRegistry registry;
  auto handle = registry.Register("b1", JobOperation::kCreate);
  handle->SetPhase(JobPhase::kSnapshot);
  handle->SetBytes(0, 100);
  EXPECT_EQ(registry.Find("b1")->mb_per_s, 0);
  handle->SetPhase(JobPhase::kCopy);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  handle->SetBytes(50'000'000, 100'000'000);
  auto p = registry.Find("b1");
  EXPECT_EQ(p->phase, JobPhase::kCopy);
  EXPECT_EQ(p->bytes_done, 50'000'000);
  EXPECT_EQ(p->bytes_total, 100'000'000);
  // 50 MB in at least 20 ms: at most 2500 MB/s, and clearly more than nothing.
  EXPECT_GT(p->mb_per_s, 0);
  EXPECT_LE(p->mb_per_s, 2500);
  EXPECT_EQ(ToString(p->phase), "copy");
  EXPECT_EQ(ToString(p->operation), "create");
}

TEST(JobRegistryTest, RemembersHowAJobEndedUntilTheNextJob) {
  JobRegistry registry;
  {
    auto handle = registry.Register("b1", JobOperation::kRestore);
    ASSERT_NE(handle, nullptr);
    EXPECT_FALSE(registry.FindFinished("b1").has_value());
    handle->SetPhase(JobPhase::kCopy);
    handle->SetBytes(5, 10);
    handle->SetFailed("chunk missing");
  }
  auto finished = registry.FindFinished("b1");
  ASSERT_TRUE(finished.has_value());
  EXPECT_TRUE(finished->failed);
  EXPECT_EQ(finished->fail_reason, "chunk missing");
  EXPECT_EQ(finished->progress.operation, JobOperation::kRestore);
  EXPECT_EQ(finished->progress.bytes_done, 5);
  EXPECT_FALSE(registry.IsActive("b1"));

  auto next = registry.Register("b1", JobOperation::kDelete);
  EXPECT_FALSE(registry.FindFinished("b1").has_value());
}

TEST(JobRegistryTest, WaitUntilEndedWakesAsTheJobEnds) {
  using std::chrono::milliseconds;
  JobRegistry registry;
  EXPECT_TRUE(registry.WaitUntilEnded("none", milliseconds(60000)));  // no job: at once
  auto handle = registry.Register("b1", JobOperation::kCreate);
  auto other = registry.Register("b2", JobOperation::kCreate);
  EXPECT_FALSE(registry.WaitUntilEnded("b1", milliseconds(20)));  // still running
  std::thread ender([&] {
    std::this_thread::sleep_for(milliseconds(50));
    other.reset();  // another job's end does not end the wait
    std::this_thread::sleep_for(milliseconds(50));
    handle.reset();
  });
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(registry.WaitUntilEnded("b1", milliseconds(60000)));
  const auto waited = std::chrono::steady_clock::now() - t0;
  ender.join();
  EXPECT_GE(waited, milliseconds(90));
  EXPECT_LT(waited, milliseconds(30000)) << "woken by the end, not by the timeout";
  EXPECT_FALSE(registry.IsActive("b1"));
}

}  // namespace
}  // namespace bb
