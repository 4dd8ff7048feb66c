// The iSCSI path for real, as root: TgtTarget exports files through a real tgtd on 127.0.0.1 and
// the libiscsi connector logs in with CHAP and reads and writes them, the bytes crossing TCP.
// The suite starts tgtd through devstack/lib/tgt.sh when none runs and stops it at the end (a tgtd
// that was already running is used and left running; only this suite's targets are removed).
// Every test ends by checking that tgtd holds no target of this suite.
// BB_ISCSI_BENCH_MIB (default 256) sets the size of the file the throughput case reads.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "backup_service/common/command_runner.h"
#include "volume_drivers/connectors/connector.h"
#include "volume_drivers/connectors/libiscsi_connector.h"
#include "volume_drivers/targets/tgt_admin.h"
#include "volume_drivers/targets/tgt_target.h"
#include "volume_drivers/testing/temp_dir.h"

namespace bb {
namespace {

constexpr const char* kIqnPrefix = "iqn.2010-10.org.blockbackup.test:live-";
constexpr const char* kInitiator = "iqn.2008-11.org.blockbackup:live-test";
using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Runs devstack/lib/tgt.sh with `args`; returns its stdout.
Result<std::string> TgtScript(const std::string& args) {
  SystemCommandRunner runner;
  std::string lib = BB_DEVSTACK_LIB;
  ASSIGN_OR_RETURN(CommandResult r, RunChecked(runner, {"bash", lib + "/tgt.sh", args}));
  return r.out;
}

Result<std::vector<tgt::Target>> TargetsNow() {
  SystemCommandRunner runner;
  ASSIGN_OR_RETURN(CommandResult r, RunChecked(runner, tgt::ShowTargetsArgv()));
  return tgt::ParseTargetShow(r.out);
}

Result<std::vector<std::string>> AccountsNow() {
  SystemCommandRunner runner;
  ASSIGN_OR_RETURN(CommandResult r, RunChecked(runner, tgt::ShowAccountsArgv()));
  return tgt::ParseAccountShow(r.out);
}

// A file of `size` pseudo-random bytes (a fixed seed per file, so a failure can be reproduced).
std::string MakeFile(const std::string& path, int64_t size, uint32_t seed) {
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

std::string ReadLocal(const std::string& path, int64_t offset, int64_t length) {
  std::string out(static_cast<size_t>(length), '\0');
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(::pread(fd, out.data(), out.size(), offset), static_cast<ssize_t>(out.size()));
  ::close(fd);
  return out;
}

// A TCP proxy on 127.0.0.1 in front of tgtd's portal that can be frozen: it then stops passing
// bytes either way but keeps both connections open, as a target that hangs would.
class FreezableProxy {
 public:
  explicit FreezableProxy(int upstream_port) : upstream_port_(upstream_port) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::listen(listen_fd_, 4) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "proxy socket: " << std::strerror(errno);
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Loop(); });
  }
  ~FreezableProxy() {
    stop_ = true;
    thread_.join();
    for (int fd : {listen_fd_, client_fd_, upstream_fd_}) {
      if (fd >= 0) ::close(fd);
    }
  }
  int port() const { return port_; }
  void Freeze() { frozen_ = true; }

 private:
  void Loop() {
    char buf[1 << 16];
    while (!stop_) {
      if (client_fd_ < 0) {
        pollfd p{listen_fd_, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        client_fd_ = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        upstream_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(static_cast<uint16_t>(upstream_port_));
        if (::connect(upstream_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return;
        continue;
      }
      if (frozen_) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        continue;
      }
      pollfd p[2] = {{client_fd_, POLLIN, 0}, {upstream_fd_, POLLIN, 0}};
      if (::poll(p, 2, 100) <= 0) continue;
      for (int i = 0; i < 2; ++i) {
        if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        ssize_t n = ::read(p[i].fd, buf, sizeof(buf));
        if (n <= 0) return;  // one side closed: the test is over with this connection
        int to = i == 0 ? upstream_fd_ : client_fd_;
        for (ssize_t off = 0; off < n;) {
          ssize_t w = ::write(to, buf + off, static_cast<size_t>(n - off));
          if (w <= 0) return;
          off += w;
        }
      }
    }
  }

  int upstream_port_;
  int listen_fd_ = -1, client_fd_ = -1, upstream_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false}, frozen_{false};
  std::thread thread_;
};

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

TEST_F(TgtLibiscsiLiveTest, ReadThroughIscsiEqualsTheLocalFile) {
  const std::string path = dir_->path() + "/snapshot";
  const std::string data = MakeFile(path, 16 << 20, 1);
  auto e = target_->CreateExport(Request(path, /*read_only=*/true));
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->lun, 1);  // tgt's LUN 0 is its controller

  // tgtd shows what was asked: the file at LUN 1, read-only, our account, our ACL.
  auto list = TargetsNow();
  ASSERT_TRUE(list.ok());
  auto t = std::find_if(list->begin(), list->end(),
                        [&](const tgt::Target& x) { return x.iqn == e->target_iqn; });
  ASSERT_NE(t, list->end());
  EXPECT_EQ(t->tid, e->tid);
  ASSERT_EQ(t->luns.size(), 2u);
  EXPECT_EQ(t->luns[1].backing_path, path);
  EXPECT_TRUE(t->luns[1].read_only);
  EXPECT_EQ(t->accounts, std::vector<std::string>{e->chap.username});
  EXPECT_EQ(t->acl, std::vector<std::string>{"127.0.0.1"});

  auto dev = Attach(*e, AccessMode::kReadOnly);
  ASSERT_TRUE(dev.ok()) << dev.status().ToString();
  EXPECT_EQ((*dev)->Size(), static_cast<int64_t>(data.size()));
  EXPECT_EQ((*dev)->BlockSize(), 512);
  EXPECT_EQ((*dev)->Describe(), "iscsi://" + e->portal + "/" + e->target_iqn + "/1");
  // Whole, in 4 MiB pieces as the data path reads, and one unaligned-length piece refused.
  std::string buf(4 << 20, '\0');
  for (int64_t off = 0; off < (*dev)->Size(); off += static_cast<int64_t>(buf.size())) {
    ASSERT_TRUE((*dev)->ReadAt(off, buf).ok()) << off;
    ASSERT_EQ(0, std::memcmp(buf.data(), data.data() + off, buf.size())) << "at " << off;
  }
  std::string small(1000, '\0');
  EXPECT_EQ((*dev)->ReadAt(0, small).code(), StatusCode::kInvalidArgument);
  std::string tail(1024, '\0');
  EXPECT_EQ((*dev)->ReadAt((*dev)->Size() - 512, tail).code(), StatusCode::kOutOfRange);
  // The target refuses writes to a read-only export, even on a handle opened for writing.
  auto rw = Attach(*e, AccessMode::kReadWrite);
  ASSERT_TRUE(rw.ok()) << rw.status().ToString();
  // 3 MiB: several commands in flight, each refused; the session survives the refusal.
  Status w = (*rw)->WriteAt(0, std::string_view(std::string(3 << 20, 'x')));
  EXPECT_EQ(w.code(), StatusCode::kPermissionDenied) << w.ToString();
  EXPECT_TRUE(ReadLocal(path, 0, 3 << 20) == data.substr(0, 3 << 20));
  std::string first(4096, '\0');
  ASSERT_TRUE((*rw)->ReadAt(0, first).ok());
  EXPECT_EQ(first, data.substr(0, 4096));
  EXPECT_TRUE((*dev)->Close().ok());
}

TEST_F(TgtLibiscsiLiveTest, WriteThenReadBack) {
  const std::string path = dir_->path() + "/volume";
  const std::string data = MakeFile(path, 8 << 20, 2);
  auto e = target_->CreateExport(Request(path, /*read_only=*/false));
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  auto dev = Attach(*e, AccessMode::kReadWrite);
  ASSERT_TRUE(dev.ok()) << dev.status().ToString();

  std::string pattern(3 << 20, '\0');  // crosses several 1 MiB commands
  for (size_t i = 0; i < pattern.size(); ++i) pattern[i] = static_cast<char>(i * 7 + 3);
  const int64_t at = 1 << 20;
  ASSERT_TRUE((*dev)->WriteAt(at, pattern).ok());
  ASSERT_TRUE((*dev)->Flush().ok());
  std::string back(pattern.size(), '\0');
  ASSERT_TRUE((*dev)->ReadAt(at, back).ok());
  EXPECT_TRUE(back == pattern);
  ASSERT_TRUE((*dev)->Close().ok());
  // The bytes are in the file tgtd serves, and nothing around them changed.
  EXPECT_TRUE(ReadLocal(path, at, static_cast<int64_t>(pattern.size())) == pattern);
  EXPECT_TRUE(ReadLocal(path, 0, at) == data.substr(0, at));
  EXPECT_TRUE(ReadLocal(path, at + static_cast<int64_t>(pattern.size()), 1 << 20) ==
              data.substr(at + pattern.size(), 1 << 20));
  // A handle opened read-only does not write, whatever the export allows.
  auto ro = Attach(*e, AccessMode::kReadOnly);
  ASSERT_TRUE(ro.ok());
  EXPECT_EQ((*ro)->WriteAt(0, std::string_view(std::string(512, 'x'))).code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(TgtLibiscsiLiveTest, WrongChapOrUnlistedInitiatorIsRefused) {
  const std::string path = dir_->path() + "/snapshot";
  MakeFile(path, 1 << 20, 3);
  IscsiExportRequest request = Request(path, true);
  request.initiator_addresses.clear();
  request.initiator_names = {kInitiator};  // ACL by initiator name only
  auto e = target_->CreateExport(request);
  ASSERT_TRUE(e.ok()) << e.status().ToString();

  IscsiExport wrong = *e;
  wrong.chap.secret = "wrong-secret-000000";
  auto start = Clock::now();
  auto r = connector_->Connect(IscsiConnectionInfo(wrong));
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied) << r.status().ToString();
  EXPECT_NE(r.status().message().find("Authentication failure"), std::string::npos)
      << r.status().ToString();
  EXPECT_EQ(r.status().message().find("wrong-secret-000000"), std::string::npos);
  EXPECT_LT(Seconds(Clock::now() - start), 5.0);

  IscsiExport no_chap = *e;
  no_chap.chap = {};
  EXPECT_FALSE(connector_->Connect(IscsiConnectionInfo(no_chap)).ok());

  // The right secret from an initiator the ACL does not name: tgtd says the target is not found.
  ConnectorOptions other;
  other.initiator_name = "iqn.2008-11.org.blockbackup:someone-else";
  other.iscsi_io_timeout = std::chrono::seconds(5);
  auto stranger = CreateConnector("iscsi", runner_, other);
  ASSERT_TRUE(stranger.ok());
  auto s = (*stranger)->Connect(IscsiConnectionInfo(*e));
  EXPECT_EQ(s.status().code(), StatusCode::kNotFound) << s.status().ToString();

  // And the right one gets in.
  auto ok = connector_->Connect(IscsiConnectionInfo(*e));
  EXPECT_TRUE(ok.ok()) << ok.status().ToString();
}

TEST_F(TgtLibiscsiLiveTest, ExportTwiceIsIdempotentAnotherPathIsRefused) {
  const std::string path = dir_->path() + "/snapshot";
  const std::string data = MakeFile(path, 1 << 20, 4);
  IscsiExportRequest request = Request(path, true);
  auto first = target_->CreateExport(request);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto dev = Attach(*first, AccessMode::kReadOnly);
  ASSERT_TRUE(dev.ok()) << dev.status().ToString();

  auto second = target_->CreateExport(request);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->tid, first->tid);
  auto list = TargetsNow();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(std::count_if(list->begin(), list->end(),
                          [&](const tgt::Target& t) { return t.iqn == request.target_iqn; }),
            1);
  // The session from before the second call still reads; a new login works with the same CHAP.
  std::string buf(4096, '\0');
  ASSERT_TRUE((*dev)->ReadAt(0, buf).ok());
  EXPECT_EQ(buf, data.substr(0, 4096));
  EXPECT_TRUE(Attach(*second, AccessMode::kReadOnly).ok());

  const std::string other = dir_->path() + "/other";
  MakeFile(other, 1 << 20, 5);
  IscsiExportRequest clash = request;
  clash.backing_path = other;
  auto refused = target_->CreateExport(clash);
  EXPECT_EQ(refused.status().code(), StatusCode::kAlreadyExists) << refused.status().ToString();
  EXPECT_TRUE(Attach(*first, AccessMode::kReadOnly).ok());  // left as it was
}

TEST_F(TgtLibiscsiLiveTest, RemoveExportMidReadIsACleanErrorNotAHang) {
  const std::string path = dir_->path() + "/snapshot";
  MakeFile(path, 64 << 20, 6);
  auto e = target_->CreateExport(Request(path, true));
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  auto dev = Attach(*e, AccessMode::kReadOnly);
  ASSERT_TRUE(dev.ok()) << dev.status().ToString();

  std::atomic<int> reads{0};
  Status failure;
  Clock::time_point failed_at;
  std::thread reader([&] {
    std::string buf(1 << 20, '\0');
    auto deadline = Clock::now() + std::chrono::seconds(30);
    for (int64_t off = 0; Clock::now() < deadline; off = (off + (1 << 20)) % (64 << 20)) {
      Status s = (*dev)->ReadAt(off, buf);
      if (!s.ok()) {
        failure = s;
        failed_at = Clock::now();
        return;
      }
      ++reads;
    }
  });
  while (reads < 20) std::this_thread::yield();  // the reader is in its stride
  auto removed_at = Clock::now();
  Status removed = target_->RemoveExport(e->target_iqn);
  reader.join();
  ASSERT_TRUE(removed.ok()) << removed.ToString();
  ASSERT_FALSE(failure.ok()) << "the reader never saw the target go (" << reads << " reads)";
  EXPECT_EQ(failure.code(), StatusCode::kUnavailable) << failure.ToString();
  EXPECT_NE(failure.message().find("lost"), std::string::npos) << failure.ToString();
  double latency = Seconds(failed_at - removed_at);
  EXPECT_LT(latency, 5.0);
  std::cout << "read failed " << latency * 1000 << " ms after RemoveExport began, after " << reads
            << " MiB read: " << failure.ToString() << "\n";
  // Later calls fail at once; closing the broken handle is fine; a new login finds no target.
  std::string buf(512, '\0');
  EXPECT_EQ((*dev)->ReadAt(0, buf).code(), StatusCode::kUnavailable);
  EXPECT_TRUE((*dev)->Close().ok());
  auto gone = connector_->Connect(IscsiConnectionInfo(*e));
  EXPECT_EQ(gone.status().code(), StatusCode::kNotFound) << gone.status().ToString();
}

TEST_F(TgtLibiscsiLiveTest, RemoveExportIsIdempotent) {
  const std::string path = dir_->path() + "/snapshot";
  MakeFile(path, 1 << 20, 7);
  auto e = target_->CreateExport(Request(path, true));
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_TRUE(target_->Exists(e->target_iqn).value());
  EXPECT_TRUE(target_->RemoveExport(e->target_iqn).ok());
  EXPECT_TRUE(target_->RemoveExport(e->target_iqn).ok());
  EXPECT_FALSE(target_->Exists(e->target_iqn).value());
  EXPECT_TRUE(target_->RemoveExport(std::string(kIqnPrefix) + "never-made").ok());
}

TEST_F(TgtLibiscsiLiveTest, ATargetThatStopsAnsweringTimesOut) {
  const std::string path = dir_->path() + "/snapshot";
  MakeFile(path, 16 << 20, 9);
  auto e = target_->CreateExport(Request(path, true));
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  FreezableProxy proxy(std::stoi(e->portal.substr(e->portal.rfind(':') + 1)));
  ConnectionInfo info = IscsiConnectionInfo(*e);
  info.data["target_portal"] = "127.0.0.1:" + std::to_string(proxy.port());
  ConnectorOptions o;
  o.initiator_name = kInitiator;
  o.iscsi_io_timeout = std::chrono::seconds(2);
  auto connector = CreateConnector("iscsi", runner_, o);
  ASSERT_TRUE(connector.ok());
  auto a = IscsiAddressFromInfo(info);
  ASSERT_TRUE(a.ok());
  auto dev = (*connector)->Open(info, a->Url(), AccessMode::kReadOnly);
  ASSERT_TRUE(dev.ok()) << dev.status().ToString();
  std::string buf(4 << 20, '\0');
  ASSERT_TRUE((*dev)->ReadAt(0, buf).ok());

  proxy.Freeze();
  auto start = Clock::now();
  Status s = (*dev)->ReadAt(4 << 20, buf);
  double took = Seconds(Clock::now() - start);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_NE(s.message().find("timed out"), std::string::npos) << s.ToString();
  EXPECT_GE(took, 1.0);
  EXPECT_LT(took, 8.0);
  std::cout << "a hung target failed the read after " << took
            << " s (I/O timeout 2 s): " << s.ToString() << "\n";
  start = Clock::now();
  EXPECT_EQ((*dev)->ReadAt(0, buf).code(), StatusCode::kUnavailable);
  EXPECT_TRUE((*dev)->Close().ok());
  EXPECT_LT(Seconds(Clock::now() - start), 1.0);  // no logout is attempted on a lost session
}

TEST_F(TgtLibiscsiLiveTest, ConcurrentExportsGetDistinctTids) {
  // Each thread has its own TgtTarget, as separate processes would: only the lock file is shared.
  constexpr int kExports = 6;
  std::vector<IscsiExportRequest> requests;
  for (int i = 0; i < kExports; ++i) {
    const std::string path = dir_->path() + "/volume-" + std::to_string(i);
    MakeFile(path, 1 << 20, 10 + i);
    requests.push_back(Request(path, false));
  }
  std::vector<Result<IscsiExport>> results(kExports, Status::Internal("not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kExports; ++i) {
    threads.emplace_back([&, i] {
      SystemCommandRunner runner;
      TgtTarget target(runner);
      results[i] = target.CreateExport(requests[i]);
    });
  }
  for (auto& t : threads) t.join();
  std::set<int> tids;
  for (int i = 0; i < kExports; ++i) {
    ASSERT_TRUE(results[i].ok()) << i << ": " << results[i].status().ToString();
    tids.insert(results[i]->tid);
  }
  EXPECT_EQ(tids.size(), static_cast<size_t>(kExports));
  // Each export serves its own file to its own credentials.
  for (int i = 0; i < kExports; ++i) {
    auto dev = Attach(*results[i], AccessMode::kReadOnly);
    ASSERT_TRUE(dev.ok()) << dev.status().ToString();
    std::string buf(4096, '\0');
    ASSERT_TRUE((*dev)->ReadAt(0, buf).ok());
    EXPECT_EQ(buf, ReadLocal(requests[i].backing_path, 0, 4096)) << i;
  }
  // And they go away concurrently as well.
  threads.clear();
  std::vector<Status> removed(kExports);
  for (int i = 0; i < kExports; ++i) {
    threads.emplace_back([&, i] {
      SystemCommandRunner runner;
      TgtTarget target(runner);
      removed[i] = target.RemoveExport(requests[i].target_iqn);
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kExports; ++i) EXPECT_TRUE(removed[i].ok()) << removed[i].ToString();
}

// Read MB/s of one file, as the backup reads it (4 MiB at a time, one reader), from the local file
// and through libiscsi from tgtd. Both read the page cache (tgtd's `rdwr` backing store is
// buffered), so this measures the iSCSI path's cost, not the disk.
TEST_F(TgtLibiscsiLiveTest, ReadThroughputLocalVsLibiscsi) {
  const char* env = std::getenv("BB_ISCSI_BENCH_MIB");
  const int64_t mib = env != nullptr ? std::max(16L, std::atol(env)) : 256;
  const int64_t size = mib << 20;
  const std::string path = dir_->path() + "/bench";
  { MakeFile(path, size, 8); }
  auto e = target_->CreateExport(Request(path, true));
  ASSERT_TRUE(e.ok()) << e.status().ToString();

  constexpr int64_t kChunk = 4 << 20;
  std::string buf(kChunk, '\0');
  auto sum = [&](uint64_t acc) {
    for (size_t i = 0; i < buf.size(); i += 4096) acc = acc * 31 + static_cast<uint8_t>(buf[i]);
    return acc;
  };
  auto local = FileBlockDevice::Open(path, AccessMode::kReadOnly);
  ASSERT_TRUE(local.ok());
  for (int64_t off = 0; off < size; off += kChunk) ASSERT_TRUE((*local)->ReadAt(off, buf).ok());
  uint64_t local_sum = 0;
  auto t0 = Clock::now();
  for (int64_t off = 0; off < size; off += kChunk) {
    ASSERT_TRUE((*local)->ReadAt(off, buf).ok());
    local_sum = sum(local_sum);
  }
  double local_s = Seconds(Clock::now() - t0);

  auto dev = Attach(*e, AccessMode::kReadOnly);
  ASSERT_TRUE(dev.ok()) << dev.status().ToString();
  uint64_t iscsi_sum = 0;
  t0 = Clock::now();
  for (int64_t off = 0; off < size; off += kChunk) {
    ASSERT_TRUE((*dev)->ReadAt(off, buf).ok());
    iscsi_sum = sum(iscsi_sum);
  }
  double iscsi_s = Seconds(Clock::now() - t0);
  EXPECT_EQ(iscsi_sum, local_sum);
  double local_mbs = static_cast<double>(mib) / local_s;
  double iscsi_mbs = static_cast<double>(mib) / iscsi_s;
  std::cout << "read " << mib << " MiB in 4 MiB reads: local file " << local_mbs
            << " MiB/s, libiscsi from tgtd on 127.0.0.1 " << iscsi_mbs << " MiB/s\n";
  RecordProperty("local_mib_per_s", std::to_string(local_mbs));
  RecordProperty("libiscsi_mib_per_s", std::to_string(iscsi_mbs));
  EXPECT_GT(iscsi_mbs, 10.0);  // a floor that only a broken path (or a 1-block transfer) misses
}

}  // namespace
}  // namespace bb
