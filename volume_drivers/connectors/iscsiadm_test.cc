// iscsiadm argv builders, parsers and exit-code mapping, against output of open-iscsi 2.1.8
// (tests/testdata/iscsiadm/README.md says which samples are captured and which are derived from
// the source because this host has no iscsi_tcp).
#include "volume_drivers/connectors/iscsiadm.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace bb {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr const char* kIqn = "iqn.2010-10.org.blockbackup.test:capture-1";
constexpr const char* kPortal = "127.0.0.1:3260";

std::string Sample(const std::string& name) {
  std::ifstream in(std::string(BB_TESTDATA_DIR) + "/iscsiadm/" + name);
  EXPECT_TRUE(in) << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int SampleExit(const std::string& name) { return std::stoi(Sample(name + ".exit")); }

TEST(IscsiadmArgvTest, NodeCommands) {
  EXPECT_THAT(iscsiadm::NodeNewArgv(kIqn, kPortal),
              ElementsAre("iscsiadm", "-m", "node", "-T", kIqn, "-p", kPortal, "--interface",
                          "default", "--op", "new"));
  EXPECT_THAT(iscsiadm::NodeUpdateArgv(kIqn, kPortal, "node.session.auth.username", "u"),
              ElementsAre("iscsiadm", "-m", "node", "-T", kIqn, "-p", kPortal, "--op", "update",
                          "-n", "node.session.auth.username", "-v", "u"));
  EXPECT_THAT(iscsiadm::LoginArgv(kIqn, kPortal),
              ElementsAre("iscsiadm", "-m", "node", "-T", kIqn, "-p", kPortal, "--login"));
  EXPECT_THAT(iscsiadm::LogoutArgv(kIqn, kPortal),
              ElementsAre("iscsiadm", "-m", "node", "-T", kIqn, "-p", kPortal, "--logout"));
  EXPECT_THAT(iscsiadm::NodeDeleteArgv(kIqn, kPortal),
              ElementsAre("iscsiadm", "-m", "node", "-T", kIqn, "-p", kPortal, "--op", "delete"));
  EXPECT_THAT(iscsiadm::NodeShowArgv(kIqn, kPortal),
              ElementsAre("iscsiadm", "-m", "node", "-T", kIqn, "-p", kPortal));
  EXPECT_THAT(iscsiadm::SessionArgv(), ElementsAre("iscsiadm", "-m", "session"));
  EXPECT_THAT(iscsiadm::DiscoveryArgv(kPortal),
              ElementsAre("iscsiadm", "-m", "discovery", "-t", "sendtargets", "-p", kPortal, "--op",
                          "nonpersistent"));
}

TEST(IscsiadmParseTest, SessionsInTheFormatOf218) {
  auto sessions = iscsiadm::ParseSessions(Sample("session-derived.out"));
  ASSERT_EQ(sessions.size(), 4u);
  EXPECT_EQ(sessions[0].transport, "tcp");
  EXPECT_EQ(sessions[0].sid, 1);
  EXPECT_EQ(sessions[0].portal, kPortal);
  EXPECT_EQ(sessions[0].tpgt, 1);
  EXPECT_EQ(sessions[0].iqn, kIqn);
  EXPECT_EQ(sessions[1].iqn,
            "iqn.2010-10.org.openstack:volume-0b0c5b39-cb7e-4cc2-9d0f-bf6c0e5c7d2a");
  EXPECT_EQ(sessions[2].transport, "iser");
  EXPECT_EQ(sessions[2].sid, 7);
  EXPECT_EQ(sessions[2].portal, "[fd00::10]:3260");
  EXPECT_EQ(sessions[3].portal, "10.0.0.5:3260");  // older iscsiadm: no "(non-flash)"
  EXPECT_EQ(sessions[3].tpgt, 2);
  EXPECT_EQ(sessions[3].iqn, "iqn.2001-05.com.example:older-iscsiadm");
}

TEST(IscsiadmParseTest, NoActiveSessionsIsAnEmptyListWithExit21) {
  EXPECT_EQ(SampleExit("session-none"), iscsiadm::kErrNoObjsFound);
  EXPECT_TRUE(iscsiadm::ParseSessions(Sample("session-none.out")).empty());
  EXPECT_THAT(Sample("session-none.err"), HasSubstr("No active sessions."));
  // Stray text on stdout is never taken for a session.
  EXPECT_TRUE(iscsiadm::ParseSessions("iscsiadm: No active sessions.\n").empty());
  EXPECT_TRUE(iscsiadm::ParseSessions("tcp: [x] 1.2.3.4:3260,1 iqn.a\n").empty());
  EXPECT_TRUE(iscsiadm::ParseSessions("tcp: [1] 1.2.3.4,1 iqn.a\n").empty());
}

TEST(IscsiadmParseTest, CapturedNodeListHasTheUnsignedTpgtOfAStaticRecord) {
  EXPECT_EQ(SampleExit("node-list"), 0);
  auto nodes = iscsiadm::ParseNodeList(Sample("node-list.out"));
  ASSERT_EQ(nodes.size(), 1u);
  EXPECT_EQ(nodes[0].portal, kPortal);
  EXPECT_EQ(nodes[0].tpgt, 4294967295);
  EXPECT_EQ(nodes[0].iqn, kIqn);
}

TEST(IscsiadmParseTest, DiscoveryOutput) {
  auto nodes = iscsiadm::ParseNodeList(Sample("discovery-derived.out"));
  ASSERT_EQ(nodes.size(), 3u);
  EXPECT_EQ(nodes[1].iqn, "iqn.2010-10.org.blockbackup.test:capture-2");
  EXPECT_EQ(nodes[2].portal, "[::1]:3260");
  // node-new prints "New iSCSI node [...] added": not a record line.
  EXPECT_TRUE(iscsiadm::ParseNodeList(Sample("node-new.out")).empty());
}

// Captured in the test VM (tests/testdata/iscsiadm/README.md, "Captured in the test VM").
TEST(IscsiadmParseTest, CapturedSessionAndDiscovery) {
  auto sessions = iscsiadm::ParseSessions(Sample("session.out"));
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(sessions[0].transport, "tcp");
  EXPECT_EQ(sessions[0].portal, kPortal);
  EXPECT_EQ(sessions[0].tpgt, 1);
  EXPECT_EQ(sessions[0].iqn, kIqn);
  auto nodes = iscsiadm::ParseNodeList(Sample("discovery-absent-target.out"));
  ASSERT_EQ(nodes.size(), 1u);
  EXPECT_EQ(nodes[0].iqn, kIqn);
  EXPECT_EQ(nodes[0].portal, kPortal);
}

// tgtd without targets closes discovery sessions and drops logins; with a target but not the
// one asked for, it refuses the login (exit 19) and discovery lists the others.
TEST(IscsiadmExitTest, APortalWithoutTargetsClosesDiscoveryAndTimesLoginsOut) {
  for (const char* name : {"discovery-no-targets", "discovery-no-targets-sigpipe-ignored"}) {
    EXPECT_TRUE(
        iscsiadm::DiscoverySessionClosed(SampleExit(name), Sample(std::string(name) + ".err")))
        << name;
  }
  EXPECT_FALSE(iscsiadm::DiscoverySessionClosed(SampleExit("discovery-absent-target"),
                                                Sample("discovery-absent-target.err")));
  EXPECT_FALSE(iscsiadm::DiscoverySessionClosed(SampleExit("discovery-without-iscsi_tcp"),
                                                Sample("discovery-without-iscsi_tcp.err")));
  Status no_targets =
      iscsiadm::ExitStatus("login", SampleExit("login-no-targets"), Sample("login-no-targets.err"));
  EXPECT_EQ(no_targets.code(), StatusCode::kUnavailable) << no_targets.ToString();
  Status absent = iscsiadm::ExitStatus("login", SampleExit("login-absent-target"),
                                       Sample("login-absent-target.err"));
  EXPECT_EQ(absent.code(), StatusCode::kNotFound) << absent.ToString();
}

TEST(IscsiadmParseTest, InitiatorNameFileAsDebianWritesIt) {
  auto name = iscsiadm::ParseInitiatorNameFile(Sample("initiatorname.iscsi"));
  ASSERT_TRUE(name.ok()) << name.status().ToString();
  EXPECT_THAT(*name, ::testing::StartsWith("iqn.1993-08.org.debian:01:"));
  EXPECT_EQ(iscsiadm::ParseInitiatorNameFile("## only comments\n").status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(iscsiadm::ParseInitiatorNameFile("InitiatorName=iqn.x:y\n").value(), "iqn.x:y");
}

TEST(IscsiadmParseTest, ByPathLinkIsUdevsName) {
  EXPECT_EQ(iscsiadm::ByPathLink("/dev", kPortal, kIqn, 1),
            "/dev/disk/by-path/ip-127.0.0.1:3260-iscsi-"
            "iqn.2010-10.org.blockbackup.test:capture-1-lun-1");
}

TEST(IscsiadmExitTest, CapturedFailuresMapToStatus) {
  Status no_iscsid = iscsiadm::ExitStatus("login to T", SampleExit("login-without-iscsid"),
                                          Sample("login-without-iscsid.err"));
  EXPECT_EQ(no_iscsid.code(), StatusCode::kUnavailable);
  EXPECT_THAT(no_iscsid.message(), HasSubstr("login to T: iscsiadm exited 20"));
  EXPECT_THAT(no_iscsid.message(), HasSubstr("could not connect to iscsid"));
  EXPECT_THAT(no_iscsid.message(), ::testing::Not(HasSubstr("System has not been booted")));

  Status no_module = iscsiadm::ExitStatus("discovery", SampleExit("discovery-without-iscsi_tcp"),
                                          Sample("discovery-without-iscsi_tcp.err"));
  EXPECT_EQ(no_module.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(no_module.message(), HasSubstr("iscsi_tcp"));
  EXPECT_THAT(no_module.message(), HasSubstr("iSCSI driver tcp is not loaded"));

  EXPECT_EQ(iscsiadm::ExitStatus("delete", SampleExit("node-delete-again"),
                                 Sample("node-delete-again.err"))
                .code(),
            StatusCode::kNotFound);
  EXPECT_EQ(SampleExit("logout-no-session"), iscsiadm::kErrNoObjsFound);
  EXPECT_EQ(iscsiadm::ExitStatus("update", SampleExit("node-update-unknown-param"),
                                 Sample("node-update-unknown-param.err"))
                .code(),
            StatusCode::kInternal);
  EXPECT_EQ(SampleExit("node-new"), 0);
  EXPECT_EQ(SampleExit("node-delete"), 0);
}

TEST(IscsiadmExitTest, LoginRefusals) {
  // The codes of iscsiadm(8) EXIT STATUS a refused login ends with.
  Status chap = iscsiadm::ExitStatus(
      "login", iscsiadm::kErrLoginAuthFailed,
      "iscsiadm: initiator reported error (24 - iSCSI login failed due to authorization "
      "failure)\n");
  EXPECT_EQ(chap.code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(chap.message(), HasSubstr("CHAP"));
  EXPECT_EQ(iscsiadm::ExitStatus("login", iscsiadm::kErrFatalLogin, "").code(),
            StatusCode::kNotFound);
  EXPECT_EQ(iscsiadm::ExitStatus("login", iscsiadm::kErrTransTimeout, "").code(),
            StatusCode::kUnavailable);
  EXPECT_EQ(iscsiadm::ExitStatus("login", iscsiadm::kErrTransport, "").code(),
            StatusCode::kUnavailable);
  EXPECT_EQ(iscsiadm::ExitStatus("login", iscsiadm::kNotInstalled, "").code(),
            StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace bb
