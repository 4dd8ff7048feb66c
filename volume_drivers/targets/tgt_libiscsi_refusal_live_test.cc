// The iSCSI path's refusals and failures for real, as root, against a real tgtd on 127.0.0.1
// (fixture: tgt_live_fixture.h): wrong CHAP or initiator, exporting twice, removing an export
// mid-read, a target that stops answering, concurrent exports, idempotent removal.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <set>
#include <thread>

#include "volume_drivers/targets/tgt_live_fixture.h"

namespace bb::iscsi_live {
namespace {

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

}  // namespace
}  // namespace bb::iscsi_live
