// Unit tests of TgtTarget's decisions without root or tgtd: the runner is an in-memory tgtd that
// interprets tgtadm's argv and prints `--op show` the way tgtd 1.0.85 does (the parser is checked
// against real captured output in tgt_admin_test.cc; the real tgtd in tgt_libiscsi_live_test.cc).
#include "volume_drivers/targets/tgt_target.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <map>
#include <optional>

#include "volume_drivers/testing/temp_dir.h"

namespace bb {
namespace {

struct Call {
  std::vector<std::string> argv;
  std::vector<std::string> secrets;
};

class FakeTgtd : public CommandRunner {
 public:
  struct Lun {
    std::string path;
    bool read_only = false;
  };
  struct Conn {
    int sid, cid;
  };
  struct Target {
    std::string iqn;
    std::map<int, Lun> luns;
    std::vector<std::string> accounts, acl;
    std::vector<Conn> conns;
  };

  Result<CommandResult> Run(const std::vector<std::string>& argv,
                            const CommandOptions& options) override {
    calls.push_back({argv, options.secrets});
    if (!running) {
      return CommandResult{107, "",
                           "tgtadm: failed to send request hdr to tgt daemon, Transport endpoint "
                           "is not connected\n"};
    }
    if (fail_when && fail_when(argv)) return Err("invalid request");
    std::string mode = argv.at(4), op = argv.at(6);
    std::map<std::string, std::string> o;
    for (size_t i = 7; i + 1 < argv.size(); i += 2) o[argv[i]] = argv[i + 1];
    int tid = o.count("--tid") ? std::stoi(o["--tid"]) : 0;
    auto t = targets.find(tid);
    bool has_t = t != targets.end();
    if (mode == "target" && op == "show") return CommandResult{0, Show(), ""};
    if (mode == "portal" && op == "show") {
      std::string out;
      for (const auto& p : portals) out += "Portal: " + p + ",1\n";
      return CommandResult{0, out, ""};
    }
    if (mode == "account" && op == "show") {
      std::string out;
      if (!passwords.empty()) out = "Account list:\n";
      for (const auto& [u, p] : passwords) out += "    " + u + "\n";
      return CommandResult{0, out, ""};
    }
    if (mode == "target" && op == "new") {
      for (const auto& [id, x] : targets) {
        if (id == tid || x.iqn == o["--targetname"]) return Err("this target already exists");
      }
      targets[tid].iqn = o["--targetname"];
      return Ok();
    }
    if (mode == "account" && op == "new") {
      if (passwords.count(o["--user"])) return Err("this account already exists");
      passwords[o["--user"]] = o["--password"];
      return Ok();
    }
    if (mode == "account" && op == "delete") {
      if (!passwords.erase(o["--user"])) return Err("can't find the account");
      for (auto& [id, x] : targets) std::erase(x.accounts, o["--user"]);
      return Ok();
    }
    if (!has_t) return Err("can't find the target");
    Target& x = t->second;
    if (mode == "target" && op == "delete") {
      if (!x.conns.empty() || x.luns.size() > 0) return Err("this target is still active");
      targets.erase(t);
      return Ok();
    }
    if (mode == "target" && (op == "bind" || op == "unbind")) {
      std::string e =
          o.count("--initiator-name") ? o["--initiator-name"] : o["--initiator-address"];
      auto it = std::find(x.acl.begin(), x.acl.end(), e);
      if (op == "bind") {
        if (it != x.acl.end()) return Err("this access control rule already exists");
        x.acl.push_back(e);
      } else {
        if (it == x.acl.end()) return Err("this access control rule does not exist");
        x.acl.erase(it);
      }
      return Ok();
    }
    if (mode == "logicalunit") {
      int lun = std::stoi(o["--lun"]);
      if (op == "new") {
        if (x.luns.count(lun)) return Err("this logical unit number already exists");
        x.luns[lun].path = o["--backing-store"];
      } else if (op == "update") {
        if (!x.luns.count(lun)) return Err("can't find the logical unit");
        x.luns[lun].read_only = o["--params"] == "readonly=1";
      } else if (op == "delete") {
        if (!x.luns.count(lun)) return Err("can't find the logical unit");
        if (!x.conns.empty() || busy_deletes > 0) {
          if (busy_deletes > 0) --busy_deletes;
          return Err("this logical unit is still active");
        }
        x.luns.erase(lun);
      }
      return Ok();
    }
    if (mode == "account" && (op == "bind" || op == "unbind")) {
      std::string u = o["--user"];
      if (!passwords.count(u)) return Err("can't find the account");
      if (op == "bind") {
        x.accounts.push_back(u);
      } else if (std::erase(x.accounts, u) == 0) {
        return Err("can't find the account");
      }
      return Ok();
    }
    if (mode == "conn" && op == "delete") {
      int sid = std::stoi(o["--sid"]);
      if (std::erase_if(x.conns, [&](const Conn& c) { return c.sid == sid; }) == 0) {
        return Err("can't find the session");
      }
      return Ok();
    }
    return Err("invalid request");
  }

  // As tgtd prints it (LUN 0, the controller, is implicit here and printed for every target).
  std::string Show() const {
    std::string s;
    for (const auto& [tid, x] : targets) {
      s += "Target " + std::to_string(tid) + ": " + x.iqn + "\n    System information:\n" +
           "        Driver: iscsi\n        State: ready\n    I_T nexus information:\n";
      for (const auto& c : x.conns) {
        s += "        I_T nexus: " + std::to_string(c.sid) +
             "\n            Initiator: iqn.2008-11.org.test:i alias: none\n" +
             "            Connection: " + std::to_string(c.cid) +
             "\n                IP Address: 127.0.0.1\n";
      }
      s += "    LUN information:\n        LUN: 0\n            Type: controller\n"
           "            Readonly: No\n            Backing store path: None\n";
      for (const auto& [n, l] : x.luns) {
        s += "        LUN: " + std::to_string(n) + "\n            Type: disk\n" +
             "            Readonly: " + (l.read_only ? "Yes" : "No") +
             "\n            Backing store path: " + l.path + "\n";
      }
      s += "    Account information:\n";
      for (const auto& a : x.accounts) s += "        " + a + "\n";
      s += "    ACL information:\n";
      for (const auto& a : x.acl) s += "        " + a + "\n";
    }
    return s;
  }

  // Index of the first call whose argv contains all of `words` in order-free fashion; -1 if none.
  int FirstCall(std::initializer_list<std::string> words) const {
    for (size_t i = 0; i < calls.size(); ++i) {
      const auto& a = calls[i].argv;
      if (std::all_of(words.begin(), words.end(), [&](const std::string& w) {
            return std::find(a.begin(), a.end(), w) != a.end();
          })) {
        return static_cast<int>(i);
      }
    }
    return -1;
  }

  bool running = true;
  // What tgtd listens on (tgt 1.0.85 prints "Portal: ip:port,tpgt").
  std::vector<std::string> portals = {"127.0.0.1:3260"};
  int busy_deletes = 0;  // LUN deletes answered "still active" before they succeed
  std::function<bool(const std::vector<std::string>&)> fail_when;
  std::map<int, Target> targets;
  std::map<std::string, std::string> passwords;
  std::vector<Call> calls;

 private:
  static CommandResult Ok() { return {0, "", ""}; }
  static CommandResult Err(const std::string& m) { return {22, "", "tgtadm: " + m + "\n"}; }
};

class TgtTargetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = testing::TempDir::Create("bb-tgt-target-test-");
    ASSERT_TRUE(dir.ok());
    dir_.emplace(std::move(dir).value());
    file_ = dir_->path() + "/snapshot-1";
    std::ofstream(file_) << "data";
    other_ = dir_->path() + "/snapshot-2";
    std::ofstream(other_) << "data";
    options_.lock_file = dir_->path() + "/tgt.lock";
    options_.remove_attempts = 5;
  }

  IscsiExportRequest Request() const {
    IscsiExportRequest r;
    r.target_iqn = "iqn.2010-10.org.blockbackup:snapshot-1";
    r.backing_path = file_;
    r.chap = {"user1", "secret-0123456789"};
    r.initiator_addresses = {"127.0.0.1"};
    r.initiator_names = {"iqn.2008-11.org.blockbackup:host"};
    r.read_only = true;
    return r;
  }

  std::optional<testing::TempDir> dir_;
  std::string file_, other_;
  TgtTargetOptions options_;
  FakeTgtd tgtd_;
};

TEST_F(TgtTargetTest, CreateExportMakesTargetLunAccountAndAcl) {
  TgtTarget target(tgtd_, options_);
  auto e = target.CreateExport(Request());
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->tid, 1);
  EXPECT_EQ(e->lun, 1);
  EXPECT_EQ(e->portal, "127.0.0.1:3260");
  EXPECT_EQ(e->chap.secret, "secret-0123456789");
  EXPECT_EQ(ProviderLocation(*e), "127.0.0.1:3260,1 iqn.2010-10.org.blockbackup:snapshot-1 1");

  ASSERT_EQ(tgtd_.targets.size(), 1u);
  const auto& t = tgtd_.targets.at(1);
  EXPECT_EQ(t.luns.at(1).path, file_);
  EXPECT_TRUE(t.luns.at(1).read_only);
  EXPECT_THAT(t.accounts, ::testing::ElementsAre("user1"));
  EXPECT_EQ(tgtd_.passwords.at("user1"), "secret-0123456789");
  EXPECT_THAT(t.acl, ::testing::ElementsAre("127.0.0.1", "iqn.2008-11.org.blockbackup:host"));

  // Logins become possible only when the ACL is bound, and that is after the account.
  int account_bind = tgtd_.FirstCall({"account", "bind"});
  int acl_bind = tgtd_.FirstCall({"target", "bind"});
  ASSERT_GE(account_bind, 0);
  EXPECT_GT(acl_bind, account_bind);
  // The secret travels only as a redacted argument.
  for (const auto& c : tgtd_.calls) {
    std::string line = FormatCommand(c.argv, c.secrets);
    EXPECT_EQ(line.find("secret-0123456789"), std::string::npos) << line;
  }
}

// tgtd whose portal port was taken when it started listens on its default portals instead
// (seen with tgt 1.0.85: "unable to bind server socket, Address already in use", then
// 0.0.0.0:3260 and [::]:3260): nothing is exported, and the error says what to do.
TEST_F(TgtTargetTest, APortalTgtdDoesNotListenOnIsRefusedBeforeAnyExport) {
  tgtd_.portals = {"[::]:3260", "0.0.0.0:3260"};
  options_.portal = "127.0.0.1:3269";
  TgtTarget target(tgtd_, options_);
  auto e = target.CreateExport(Request());
  ASSERT_EQ(e.status().code(), StatusCode::kFailedPrecondition) << e.status().ToString();
  EXPECT_NE(e.status().message().find("tgtd does not listen on the configured iSCSI portal "
                                      "127.0.0.1:3269 (it listens on: [::]:3260, 0.0.0.0:3260)"),
            std::string::npos)
      << e.status().message();
  EXPECT_NE(e.status().message().find("in use by another program"), std::string::npos);
  EXPECT_TRUE(tgtd_.targets.empty());
  EXPECT_EQ(tgtd_.FirstCall({"target", "new"}), -1);
  // The same tgtd serves 127.0.0.1:3260 through its wildcard listener.
  options_.portal = "127.0.0.1:3260";
  TgtTarget on_default(tgtd_, options_);
  EXPECT_TRUE(on_default.CreateExport(Request()).ok());
}

TEST_F(TgtTargetTest, TidIsTheLowestFree) {
  for (int tid : {1, 2, 4})
    tgtd_.targets[tid].iqn = "iqn.2010-10.org.other:t" + std::to_string(tid);
  TgtTarget target(tgtd_, options_);
  auto e = target.CreateExport(Request());
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->tid, 3);
}

TEST_F(TgtTargetTest, ATidTakenByARacerIsSkipped) {
  // Someone outside the lock creates tid 1 between our show and our `target new`.
  bool raced = false;
  tgtd_.fail_when = [&](const std::vector<std::string>& argv) {
    if (!raced && argv[4] == "target" && argv[6] == "new") {
      raced = true;
      tgtd_.targets[1].iqn = "iqn.2010-10.org.other:racer";
    }
    return false;
  };
  TgtTarget target(tgtd_, options_);
  auto e = target.CreateExport(Request());
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->tid, 2);
  EXPECT_EQ(tgtd_.targets.size(), 2u);
}

TEST_F(TgtTargetTest, CreateTwiceConvergesToTheSecondRequest) {
  TgtTarget target(tgtd_, options_);
  ASSERT_TRUE(target.CreateExport(Request()).ok());
  IscsiExportRequest again = Request();
  again.chap.secret = "another-secret-98765";
  again.initiator_names.clear();
  auto e = target.CreateExport(again);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->tid, 1);
  ASSERT_EQ(tgtd_.targets.size(), 1u);
  EXPECT_EQ(tgtd_.passwords.size(), 1u);
  EXPECT_EQ(tgtd_.passwords.at("user1"), "another-secret-98765");
  EXPECT_THAT(tgtd_.targets.at(1).acl, ::testing::ElementsAre("127.0.0.1"));
  EXPECT_THAT(tgtd_.targets.at(1).accounts, ::testing::ElementsAre("user1"));
}

TEST_F(TgtTargetTest, SameIqnWithAnotherPathIsRefusedAndLeftAlone) {
  TgtTarget target(tgtd_, options_);
  ASSERT_TRUE(target.CreateExport(Request()).ok());
  IscsiExportRequest other = Request();
  other.backing_path = other_;
  size_t calls_before = tgtd_.calls.size();
  auto e = target.CreateExport(other);
  EXPECT_EQ(e.status().code(), StatusCode::kAlreadyExists) << e.status().ToString();
  EXPECT_EQ(tgtd_.targets.at(1).luns.at(1).path, file_);
  for (size_t i = calls_before; i < tgtd_.calls.size(); ++i) {
    EXPECT_EQ(tgtd_.calls[i].argv[6], "show") << FormatCommand(tgtd_.calls[i].argv);
  }
}

TEST_F(TgtTargetTest, AFailedCreateLeavesNothing) {
  // The last step (binding the ACL) fails: the new target, LUN and account are removed again.
  tgtd_.fail_when = [](const std::vector<std::string>& argv) {
    return argv[4] == "target" && argv[6] == "bind";
  };
  TgtTarget target(tgtd_, options_);
  auto e = target.CreateExport(Request());
  EXPECT_EQ(e.status().code(), StatusCode::kInternal);
  EXPECT_NE(e.status().message().find("exporting " + file_), std::string::npos)
      << e.status().ToString();
  EXPECT_TRUE(tgtd_.targets.empty());
  EXPECT_TRUE(tgtd_.passwords.empty());
}

TEST_F(TgtTargetTest, RemoveExportClosesSessionsFirstAndIsIdempotent) {
  TgtTarget target(tgtd_, options_);
  ASSERT_TRUE(target.CreateExport(Request()).ok());
  tgtd_.targets.at(1).conns = {{5, 0}};
  tgtd_.calls.clear();
  ASSERT_TRUE(target.RemoveExport(Request().target_iqn).ok());
  EXPECT_TRUE(tgtd_.targets.empty());
  EXPECT_TRUE(tgtd_.passwords.empty());
  // No initiator can log in again before its session is closed.
  int acl_unbind = tgtd_.FirstCall({"target", "unbind"});
  int conn_delete = tgtd_.FirstCall({"conn", "delete", "5"});
  int lun_delete = tgtd_.FirstCall({"logicalunit", "delete"});
  ASSERT_GE(acl_unbind, 0);
  EXPECT_GT(conn_delete, acl_unbind);
  EXPECT_GT(lun_delete, conn_delete);

  tgtd_.calls.clear();
  EXPECT_TRUE(target.RemoveExport(Request().target_iqn).ok());
  ASSERT_EQ(tgtd_.calls.size(), 1u);  // one look, nothing to do
  EXPECT_EQ(tgtd_.calls[0].argv[6], "show");
}

TEST_F(TgtTargetTest, RemoveExportWaitsWhileSessionsClose) {
  TgtTarget target(tgtd_, options_);
  ASSERT_TRUE(target.CreateExport(Request()).ok());
  tgtd_.busy_deletes = 2;
  EXPECT_TRUE(target.RemoveExport(Request().target_iqn).ok());
  EXPECT_TRUE(tgtd_.targets.empty());

  ASSERT_TRUE(target.CreateExport(Request()).ok());
  tgtd_.busy_deletes = 100;  // never ends: a bounded number of attempts, then a clear error
  Status s = target.RemoveExport(Request().target_iqn);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_NE(s.message().find("still has sessions"), std::string::npos) << s.ToString();
}

TEST_F(TgtTargetTest, RemoveLeavesAnAccountSharedWithAnotherTarget) {
  tgtd_.targets[7] = {"iqn.2010-10.org.other:x", {}, {"shared"}, {}, {}};
  tgtd_.targets[8] = {"iqn.2010-10.org.blockbackup:snapshot-1", {}, {"shared"}, {}, {}};
  tgtd_.passwords["shared"] = "whatever-secret";
  TgtTarget target(tgtd_, options_);
  ASSERT_TRUE(target.RemoveExport("iqn.2010-10.org.blockbackup:snapshot-1").ok());
  EXPECT_EQ(tgtd_.targets.count(8), 0u);
  EXPECT_EQ(tgtd_.passwords.count("shared"), 1u);
}

TEST_F(TgtTargetTest, BadRequestsRunNoCommand) {
  TgtTarget target(tgtd_, options_);
  auto with = [&](std::function<void(IscsiExportRequest&)> change) {
    IscsiExportRequest r = Request();
    change(r);
    return target.CreateExport(r).status();
  };
  EXPECT_EQ(with([](auto& r) { r.target_iqn = "not-an-iqn"; }).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(with([](auto& r) { r.target_iqn = "iqn.2010-10.org.X:upper"; }).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(with([](auto& r) { r.backing_path = "relative/path"; }).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(with([&](auto& r) { r.backing_path = file_ + ".missing"; }).code(),
            StatusCode::kNotFound);
  EXPECT_EQ(with([&](auto& r) { r.backing_path = dir_->path(); }).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(with([](auto& r) { r.chap = {}; }).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(with([](auto& r) { r.chap.secret = "short"; }).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(with([](auto& r) { r.chap.secret = "has a space in it"; }).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(with([](auto& r) {
              r.initiator_addresses.clear();
              r.initiator_names.clear();
            }).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(with([](auto& r) { r.initiator_addresses = {"ALL"}; }).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(with([](auto& r) { r.initiator_names = {"127.0.0.1"}; }).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(target.RemoveExport("bad iqn").code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(tgtd_.calls.empty());
}

TEST_F(TgtTargetTest, NoTgtdIsUnavailableWithAHint) {
  tgtd_.running = false;
  TgtTarget target(tgtd_, options_);
  Status s = target.CreateExport(Request()).status();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("devstack/lib/tgt.sh start"), std::string::npos) << s.ToString();
  EXPECT_EQ(target.RemoveExport(Request().target_iqn).code(), StatusCode::kUnavailable);
}

TEST_F(TgtTargetTest, ListAndExists) {
  TgtTarget target(tgtd_, options_);
  tgtd_.targets[9].iqn = "iqn.2010-10.org.other:no-lun";
  ASSERT_TRUE(target.CreateExport(Request()).ok());
  auto list = target.ListExports();
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 1u);  // the target without a data LUN is no export
  EXPECT_EQ((*list)[0].target_iqn, Request().target_iqn);
  EXPECT_EQ((*list)[0].backing_path, file_);
  EXPECT_EQ((*list)[0].chap.username, "user1");
  EXPECT_EQ((*list)[0].chap.secret, "");
  EXPECT_TRUE((*list)[0].read_only);
  EXPECT_TRUE(target.Exists(Request().target_iqn).value());
  EXPECT_TRUE(target.Exists("iqn.2010-10.org.other:no-lun").value());
  EXPECT_FALSE(target.Exists("iqn.2010-10.org.other:nothing").value());
}

TEST(TgtTargetOptionsTest, FromConfig) {
  auto o = TgtTargetOptions::FromConfig({{"portal", "127.0.0.1:3261"}, {"lock_file", "/x/l"}});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->portal, "127.0.0.1:3261");
  EXPECT_EQ(o->lock_file, "/x/l");
  EXPECT_FALSE(TgtTargetOptions::FromConfig({{"portal", "nocolon"}}).ok());
  EXPECT_FALSE(TgtTargetOptions::FromConfig({{"lock_file", "rel"}}).ok());
  EXPECT_FALSE(TgtTargetOptions::FromConfig({{"command_timeout_ms", "-1"}}).ok());
  EXPECT_FALSE(TgtTargetOptions::FromConfig({{"bogus", "1"}}).ok());
  SystemCommandRunner runner;
  EXPECT_TRUE(CreateIscsiTarget("tgt", {}, runner).ok());
  EXPECT_EQ(CreateIscsiTarget("lio", {}, runner).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace bb
