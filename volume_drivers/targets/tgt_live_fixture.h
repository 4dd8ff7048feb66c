// The fixture of the live iSCSI suites (tgt_libiscsi_live_test.cc: data through libiscsi;
// tgt_libiscsi_refusal_live_test.cc: refusals, removal, hangs, concurrency), as root: TgtTarget
// exports files through a real tgtd on 127.0.0.1 and the libiscsi connector logs in with CHAP.
// The suite starts tgtd through devstack/lib/tgt.sh when none runs and stops it at the end (a
// tgtd that was already running is used and left running; only this suite's targets are
// removed). Every test ends by checking that tgtd holds no target or account of this suite.
// Thread-safety: test thread only.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "backup_service/common/command_runner.h"
#include "volume_drivers/connectors/connector.h"
#include "volume_drivers/connectors/libiscsi_connector.h"
#include "volume_drivers/targets/tgt_admin.h"
#include "volume_drivers/targets/tgt_target.h"
#include "volume_drivers/testing/temp_dir.h"

namespace bb::iscsi_live {

inline constexpr const char* kIqnPrefix = "iqn.2010-10.org.blockbackup.test:live-";
inline constexpr const char* kInitiator = "iqn.2008-11.org.blockbackup:live-test";
using Clock = std::chrono::steady_clock;

inline double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Runs devstack/lib/tgt.sh with `args`; returns its stdout.
inline Result<std::string> TgtScript(const std::string& args) {
  SystemCommandRunner runner;
  std::string lib = BB_DEVSTACK_LIB;
  ASSIGN_OR_RETURN(CommandResult r, RunChecked(runner, {"bash", lib + "/tgt.sh", args}));
  return r.out;
}

inline Result<std::vector<tgt::Target>> TargetsNow() {
  SystemCommandRunner runner;
  ASSIGN_OR_RETURN(CommandResult r, RunChecked(runner, tgt::ShowTargetsArgv()));
  return tgt::ParseTargetShow(r.out);
}

inline Result<std::vector<std::string>> AccountsNow() {
  SystemCommandRunner runner;
  ASSIGN_OR_RETURN(CommandResult r, RunChecked(runner, tgt::ShowAccountsArgv()));
  return tgt::ParseAccountShow(r.out);
}

// A file of `size` pseudo-random bytes (a fixed seed per file, so a failure can be reproduced).
inline std::string MakeFile(const std::string& path, int64_t size, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::string data(static_cast<size_t>(size), '\0');
  for (size_t i = 0; i + 8 <= data.size(); i += 8) {
    uint64_t v = rng();
    std::memcpy(&data[i], &v, 8);
  }
  int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(::pwrite(fd, data.data(), data.size(), 0), static_cast<ssize_t>(data.size()));
  ::close(fd);
  return data;
}

inline std::string ReadLocal(const std::string& path, int64_t offset, int64_t length) {
  std::string out(static_cast<size_t>(length), '\0');
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(::pread(fd, out.data(), out.size(), offset), static_cast<ssize_t>(out.size()));
  ::close(fd);
  return out;
}

class TgtLibiscsiLiveTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (geteuid() != 0) return;  // SetUp skips
    auto out = TgtScript("start");
    if (!out.ok()) {
      setup_error_ = new std::string("devstack/lib/tgt.sh start: " + out.status().ToString());
      return;
    }
    started_tgtd_ = out->find("started") != std::string::npos;
    // Targets of an earlier run of this suite that died before its cleanup.
    SystemCommandRunner runner;
    TgtTarget target(runner);
    if (auto list = TargetsNow(); list.ok()) {
      for (const auto& t : *list) {
        if (t.iqn.starts_with(kIqnPrefix)) (void)target.RemoveExport(t.iqn);
      }
    }
  }
  static void TearDownTestSuite() {
    if (started_tgtd_) {
      auto out = TgtScript("stop");
      EXPECT_TRUE(out.ok()) << out.status().ToString();
      started_tgtd_ = false;
    }
  }

  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root: starts tgtd and exports files over iSCSI";
    ASSERT_EQ(setup_error_, nullptr) << *setup_error_;
    auto dir = testing::TempDir::Create("bb-iscsi-live-");
    ASSERT_TRUE(dir.ok());
    dir_.emplace(std::move(dir).value());
    target_.emplace(runner_);
    ConnectorOptions o;
    o.initiator_name = kInitiator;
    o.iscsi_io_timeout = std::chrono::seconds(5);
    auto c = CreateConnector("iscsi", runner_, o);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    connector_ = std::move(c).value();
  }

  void TearDown() override {
    if (!target_) return;
    for (const auto& iqn : iqns_) EXPECT_TRUE(target_->RemoveExport(iqn).ok()) << iqn;
    // Nothing of this test is left in tgtd: no target, no account.
    auto list = TargetsNow();
    ASSERT_TRUE(list.ok()) << list.status().ToString();
    for (const auto& t : *list) EXPECT_FALSE(t.iqn.starts_with(kIqnPrefix)) << t.iqn;
    auto accounts = AccountsNow();
    ASSERT_TRUE(accounts.ok()) << accounts.status().ToString();
    for (const auto& u : users_) {
      EXPECT_EQ(std::count(accounts->begin(), accounts->end(), u), 0) << u;
    }
  }

  // A request for `path` under a fresh IQN, for this host's initiator, with new CHAP credentials.
  IscsiExportRequest Request(const std::string& path, bool read_only) {
    IscsiExportRequest r;
    r.target_iqn = kIqnPrefix + std::to_string(getpid()) + "-" + std::to_string(iqns_.size());
    r.backing_path = path;
    r.chap = GenerateChapCredentials();
    r.initiator_addresses = {"127.0.0.1"};
    r.read_only = read_only;
    iqns_.push_back(r.target_iqn);
    users_.push_back(r.chap.username);
    return r;
  }

  Result<std::unique_ptr<BlockDevice>> Attach(const IscsiExport& e, AccessMode mode) {
    ConnectionInfo info = IscsiConnectionInfo(e);
    ASSIGN_OR_RETURN(std::string device, connector_->Connect(info));
    return connector_->Open(info, device, mode);
  }

  static inline bool started_tgtd_ = false;
  static inline std::string* setup_error_ = nullptr;
  SystemCommandRunner runner_;
  std::optional<testing::TempDir> dir_;
  std::optional<TgtTarget> target_;
  std::unique_ptr<Connector> connector_;
  std::vector<std::string> iqns_, users_;
};

}  // namespace bb::iscsi_live
