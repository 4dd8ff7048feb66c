// Helpers shared by the files of the VolumeDriver conformance suite (volume_driver_conformance.cc,
// volume_driver_export_cases.cc). Test-only.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace bb::testing {

inline constexpr int64_t kMiB = 1 << 20;

inline std::string Pattern(char c, size_t n) { return std::string(n, c); }

#define ASSERT_OK(expr)                                     \
  do {                                                      \
    ::bb::Status s_ = (expr);                               \
    ASSERT_TRUE(s_.ok()) << #expr << ": " << s_.ToString(); \
  } while (0)
#define EXPECT_OK(expr)                                     \
  do {                                                      \
    ::bb::Status s_ = (expr);                               \
    EXPECT_TRUE(s_.ok()) << #expr << ": " << s_.ToString(); \
  } while (0)
#define SKIP_UNLESS_ROOT()                                                              \
  do {                                                                                  \
    if (!IsRoot()) GTEST_SKIP() << "needs root (losetup/mount); run the tests as root"; \
  } while (0)
#define SKIP_UNLESS_CAP(cap)                                                           \
  do {                                                                                 \
    if (!driver().Capabilities().cap) GTEST_SKIP() << "driver lacks capability " #cap; \
  } while (0)

}  // namespace bb::testing
