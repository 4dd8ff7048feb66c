// Unit tests of tgtadm's argv builders, output parsers and error mapping, against output captured
// from a real tgtd (Debian tgt 1.0.85): two targets, one with a read-only LUN and an ACL with an
// address and an initiator name, each with a logged-in initiator.
#include "volume_drivers/targets/tgt_admin.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace bb::tgt {
namespace {

using ::testing::ElementsAre;

// `tgtadm --lld iscsi --mode target --op show`, captured while two iscsi-perf runs were logged in.
constexpr std::string_view kTwoTargets = R"(Target 1: iqn.2010-10.org.example:a
    System information:
        Driver: iscsi
        State: ready
    I_T nexus information:
        I_T nexus: 1
            Initiator: iqn.2008-11.org.test:other alias: none
            Connection: 0
                IP Address: 127.0.0.1
    LUN information:
        LUN: 0
            Type: controller
            SCSI ID: IET     00010000
            SCSI SN: beaf10
            Size: 0 MB, Block size: 1
            Online: Yes
            Removable media: No
            Prevent removal: No
            Readonly: No
            SWP: No
            Thin-provisioning: No
            Backing store type: null
            Backing store path: None
            Backing store flags: 
        LUN: 1
            Type: disk
            SCSI ID: IET     00010001
            SCSI SN: beaf11
            Size: 67 MB, Block size: 512
            Online: Yes
            Removable media: No
            Prevent removal: No
            Readonly: No
            SWP: No
            Thin-provisioning: No
            Backing store type: rdwr
            Backing store path: /tmp/a.img
            Backing store flags: 
    Account information:
        ua
    ACL information:
        127.0.0.1
Target 3: iqn.2010-10.org.example:b
    System information:
        Driver: iscsi
        State: ready
    I_T nexus information:
        I_T nexus: 2
            Initiator: iqn.2008-11.org.test:init alias: none
            Connection: 0
                IP Address: 127.0.0.1
    LUN information:
        LUN: 0
            Type: controller
            SCSI ID: IET     00030000
            SCSI SN: beaf30
            Size: 0 MB, Block size: 1
            Online: Yes
            Removable media: No
            Prevent removal: No
            Readonly: No
            SWP: No
            Thin-provisioning: No
            Backing store type: null
            Backing store path: None
            Backing store flags: 
        LUN: 1
            Type: disk
            SCSI ID: IET     00030001
            SCSI SN: beaf31
            Size: 67 MB, Block size: 512
            Online: Yes
            Removable media: No
            Prevent removal: No
            Readonly: Yes
            SWP: No
            Thin-provisioning: No
            Backing store type: rdwr
            Backing store path: /tmp/b.img
            Backing store flags: 
    Account information:
        ub
    ACL information:
        127.0.0.1
        iqn.2008-11.org.test:init
)";

// `tgtadm --lld iscsi --mode account --op show` at the same time.
constexpr std::string_view kAccounts = R"(Account list:
    ub
    ua
)";

TEST(TgtParseTest, TwoTargetsWithSessions) {
  auto targets = ParseTargetShow(kTwoTargets);
  ASSERT_TRUE(targets.ok()) << targets.status().ToString();
  ASSERT_EQ(targets->size(), 2u);

  const Target& a = (*targets)[0];
  EXPECT_EQ(a.tid, 1);
  EXPECT_EQ(a.iqn, "iqn.2010-10.org.example:a");
  ASSERT_EQ(a.connections.size(), 1u);
  EXPECT_EQ(a.connections[0].sid, 1);
  EXPECT_EQ(a.connections[0].cid, 0);
  EXPECT_EQ(a.connections[0].initiator, "iqn.2008-11.org.test:other");
  EXPECT_EQ(a.connections[0].address, "127.0.0.1");
  ASSERT_EQ(a.luns.size(), 2u);
  EXPECT_EQ(a.luns[0].lun, 0);
  EXPECT_EQ(a.luns[0].type, "controller");
  EXPECT_EQ(a.luns[0].backing_path, "None");
  EXPECT_EQ(a.luns[1].lun, 1);
  EXPECT_EQ(a.luns[1].type, "disk");
  EXPECT_EQ(a.luns[1].backing_path, "/tmp/a.img");
  EXPECT_FALSE(a.luns[1].read_only);
  EXPECT_THAT(a.accounts, ElementsAre("ua"));
  EXPECT_THAT(a.acl, ElementsAre("127.0.0.1"));

  const Target& b = (*targets)[1];
  EXPECT_EQ(b.tid, 3);
  EXPECT_EQ(b.iqn, "iqn.2010-10.org.example:b");
  ASSERT_EQ(b.connections.size(), 1u);
  EXPECT_EQ(b.connections[0].sid, 2);
  EXPECT_EQ(b.connections[0].initiator, "iqn.2008-11.org.test:init");
  ASSERT_EQ(b.luns.size(), 2u);
  EXPECT_TRUE(b.luns[1].read_only);
  EXPECT_EQ(b.luns[1].backing_path, "/tmp/b.img");
  EXPECT_THAT(b.accounts, ElementsAre("ub"));
  EXPECT_THAT(b.acl, ElementsAre("127.0.0.1", "iqn.2008-11.org.test:init"));
}

TEST(TgtParseTest, EmptyAndMalformed) {
  auto none = ParseTargetShow("");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_EQ(ParseTargetShow("tgtadm: oops\n").status().code(), StatusCode::kInternal);
  EXPECT_FALSE(ParseTargetShow("Target x: iqn.2010-10.org.example:a\n").ok());
  EXPECT_FALSE(ParseTargetShow("    LUN information:\n").ok());  // no target line first
  EXPECT_FALSE(ParseTargetShow("Target 1: iqn.2010-10.org.example:a\n"
                               "    LUN information:\n"
                               "            Type: disk\n")
                   .ok());  // a LUN property before any "LUN: N"
}

TEST(TgtParseTest, Accounts) {
  auto users = ParseAccountShow(kAccounts);
  ASSERT_TRUE(users.ok()) << users.status().ToString();
  EXPECT_THAT(*users, ElementsAre("ub", "ua"));
  EXPECT_THAT(ParseAccountShow("Account list:\n    u1 (outgoing)\n").value(), ElementsAre("u1"));
  EXPECT_TRUE(ParseAccountShow("").value().empty());  // tgtd prints nothing when there is none
  EXPECT_FALSE(ParseAccountShow("something else\n").ok());
}

TEST(TgtArgvTest, Builders) {
  EXPECT_THAT(ShowTargetsArgv(),
              ElementsAre("tgtadm", "--lld", "iscsi", "--mode", "target", "--op", "show"));
  EXPECT_THAT(NewTargetArgv(4, "iqn.2010-10.org.example:x"),
              ElementsAre("tgtadm", "--lld", "iscsi", "--mode", "target", "--op", "new", "--tid",
                          "4", "--targetname", "iqn.2010-10.org.example:x"));
  EXPECT_THAT(NewLunArgv(4, 1, "/v/snapshot-1"),
              ElementsAre("tgtadm", "--lld", "iscsi", "--mode", "logicalunit", "--op", "new",
                          "--tid", "4", "--lun", "1", "--backing-store", "/v/snapshot-1"));
  EXPECT_THAT(SetLunReadOnlyArgv(4, 1, true),
              ElementsAre("tgtadm", "--lld", "iscsi", "--mode", "logicalunit", "--op", "update",
                          "--tid", "4", "--lun", "1", "--params", "readonly=1"));
  EXPECT_THAT(NewAccountArgv("u", "s3cret"),
              ElementsAre("tgtadm", "--lld", "iscsi", "--mode", "account", "--op", "new", "--user",
                          "u", "--password", "s3cret"));
  EXPECT_THAT(BindAccountArgv(4, "u"), ElementsAre("tgtadm", "--lld", "iscsi", "--mode", "account",
                                                   "--op", "bind", "--tid", "4", "--user", "u"));
  EXPECT_THAT(BindAclArgv(4, "127.0.0.1"),
              ElementsAre("tgtadm", "--lld", "iscsi", "--mode", "target", "--op", "bind", "--tid",
                          "4", "--initiator-address", "127.0.0.1"));
  EXPECT_THAT(UnbindAclArgv(4, "iqn.2008-11.org.test:init"),
              ElementsAre("tgtadm", "--lld", "iscsi", "--mode", "target", "--op", "unbind", "--tid",
                          "4", "--initiator-name", "iqn.2008-11.org.test:init"));
  EXPECT_THAT(DeleteConnectionArgv(4, 7, 0),
              ElementsAre("tgtadm", "--lld", "iscsi", "--mode", "conn", "--op", "delete", "--tid",
                          "4", "--sid", "7", "--cid", "0"));
  EXPECT_THAT(DeleteLunArgv(4, 1), ElementsAre("tgtadm", "--lld", "iscsi", "--mode", "logicalunit",
                                               "--op", "delete", "--tid", "4", "--lun", "1"));
  EXPECT_THAT(DeleteTargetArgv(4), ElementsAre("tgtadm", "--lld", "iscsi", "--mode", "target",
                                               "--op", "delete", "--tid", "4"));
}

TEST(TgtErrorTest, MapsTgtadmMessages) {
  auto argv = NewAccountArgv("u", "s3cret-value");
  // The real messages of tgtadm 1.0.85 (exit 22, or 107 when no tgtd listens).
  EXPECT_EQ(TgtadmError(argv, 107,
                        "tgtadm: failed to send request hdr to tgt daemon, Transport endpoint "
                        "is not connected\n")
                .code(),
            StatusCode::kUnavailable);
  EXPECT_EQ(TgtadmError(argv, 22, "tgtadm: can't find the target\n").code(), StatusCode::kNotFound);
  EXPECT_EQ(TgtadmError(argv, 22, "tgtadm: this access control rule does not exist\n").code(),
            StatusCode::kNotFound);
  EXPECT_EQ(TgtadmError(argv, 22, "tgtadm: this account already exists\n").code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(TgtadmError(argv, 22, "tgtadm: this logical unit is still active\n").code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(TgtadmError(argv, 22, "tgtadm: invalid request\n").code(), StatusCode::kInternal);
  // The secret never reaches the message, whether in the command line or in what tgtadm said.
  Status s = TgtadmError(argv, 22, "tgtadm: bad password s3cret-value\n", {"s3cret-value"});
  EXPECT_EQ(s.message().find("s3cret-value"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("--password ***"), std::string::npos) << s.message();
}

TEST(TgtParseTest, InitiatorNames) {
  EXPECT_TRUE(IsInitiatorName("iqn.2008-11.org.test:init"));
  EXPECT_TRUE(IsInitiatorName("eui.02004567A425678D"));
  EXPECT_FALSE(IsInitiatorName("127.0.0.1"));
  EXPECT_FALSE(IsInitiatorName("10.0.0.0/8"));
}

// `tgtadm --lld iscsi --mode portal --op show` of tgt 1.0.85, captured: a tgtd started with
// --iscsi portal=127.0.0.1:3269, and one started so while that port was in use (it fell back to
// its default portals).
TEST(TgtAdminTest, ParsesPortalShow) {
  auto own = ParsePortalShow("Portal: 127.0.0.1:3269,1\n");
  ASSERT_TRUE(own.ok()) << own.status().ToString();
  EXPECT_THAT(*own, ElementsAre("127.0.0.1:3269"));
  auto fallback = ParsePortalShow("Portal: [::]:3260,1\nPortal: 0.0.0.0:3260,1\n");
  ASSERT_TRUE(fallback.ok());
  EXPECT_THAT(*fallback, ElementsAre("[::]:3260", "0.0.0.0:3260"));
  EXPECT_TRUE(ParsePortalShow("").ok());
  EXPECT_FALSE(ParsePortalShow("Target 1: iqn.x\n").ok());
}

TEST(TgtAdminTest, PortalServed) {
  EXPECT_TRUE(PortalServed({"127.0.0.1:3269"}, "127.0.0.1:3269"));
  EXPECT_FALSE(PortalServed({"127.0.0.1:3269"}, "127.0.0.1:3260"));
  EXPECT_TRUE(PortalServed({"[::]:3260", "0.0.0.0:3260"}, "127.0.0.1:3260"));
  EXPECT_FALSE(PortalServed({"[::]:3260", "0.0.0.0:3260"}, "127.0.0.1:3269"));
  EXPECT_TRUE(PortalServed({"[::]:3260"}, "[::1]:3260"));
  EXPECT_FALSE(PortalServed({}, "127.0.0.1:3260"));
  EXPECT_FALSE(PortalServed({"127.0.0.1:3260"}, "no-port"));
}

}  // namespace
}  // namespace bb::tgt
