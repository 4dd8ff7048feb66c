// Unit tests of the libiscsi connector that need no target: connection info checks, the
// registry's choices, and clear errors for a portal nobody listens on. The live cases (a real
// tgtd) are in targets/tgt_libiscsi_live_test.cc.
#include "volume_drivers/connectors/libiscsi_connector.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

namespace bb {
namespace {

ConnectionInfo Info() {
  return {"iscsi",
          {{"target_portal", "127.0.0.1:3260"},
           {"target_iqn", "iqn.2010-10.org.blockbackup:snapshot-1"},
           {"target_lun", "1"},
           {"auth_method", "CHAP"},
           {"auth_username", "u"},
           {"auth_password", "secret-0123456789"}}};
}

TEST(IscsiAddressTest, FromInfo) {
  auto a = IscsiAddressFromInfo(Info());
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->Url(), "iscsi://127.0.0.1:3260/iqn.2010-10.org.blockbackup:snapshot-1/1");
  EXPECT_EQ(a->Url().find("secret"), std::string::npos);

  auto without = [](const char* key) {
    ConnectionInfo i = Info();
    i.data.erase(key);
    return IscsiAddressFromInfo(i).status();
  };
  EXPECT_EQ(without("target_portal").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(without("target_iqn").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(without("target_lun").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(without("auth_password").code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(without("auth_method").ok());  // no CHAP at all is the target's call

  ConnectionInfo i = Info();
  i.data["auth_method"] = "KRB5";
  EXPECT_EQ(IscsiAddressFromInfo(i).status().code(), StatusCode::kUnimplemented);
  i = Info();
  i.data["target_lun"] = "one";
  EXPECT_EQ(IscsiAddressFromInfo(i).status().code(), StatusCode::kInvalidArgument);
  i.data["target_portal"] = "127.0.0.1";
  EXPECT_EQ(IscsiAddressFromInfo(i).status().code(), StatusCode::kInvalidArgument);
}

TEST(LibiscsiConnectorTest, RegistryNeedsAnInitiatorName) {
  SystemCommandRunner runner;
  auto no_name = CreateConnector("iscsi", runner);
  EXPECT_EQ(no_name.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(no_name.status().message().find("initiator name"), std::string::npos);
  ConnectorOptions o;
  o.initiator_name = "iqn.2008-11.org.blockbackup:test";
  EXPECT_TRUE(CreateConnector("iscsi", runner, o).ok());
  o.iscsi_initiator = "iscsiadm";
  EXPECT_TRUE(CreateConnector("iscsi", runner, o).ok());
  o.iscsi_initiator = "qla4xxx";
  auto bad = CreateConnector("iscsi", runner, o);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("libiscsi, iscsiadm"), std::string::npos);
  auto unknown = CreateConnector("fibre_channel", runner, o);
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_NE(unknown.status().message().find("iscsi"), std::string::npos);
}

TEST(LibiscsiConnectorTest, NobodyListeningIsUnavailableAtOnce) {
  // Port 1 on loopback: nothing listens, the kernel refuses the connection immediately.
  ConnectionInfo info = Info();
  info.data["target_portal"] = "127.0.0.1:1";
  LibiscsiConnector connector({"iqn.2008-11.org.blockbackup:test", std::chrono::seconds(5)});
  auto start = std::chrono::steady_clock::now();
  auto r = connector.Connect(info);
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(r.status().message().find("secret-0123456789"), std::string::npos);
  // Nothing on this host to undo or find.
  EXPECT_TRUE(connector.Disconnect(info, "iscsi://127.0.0.1:1/x/1").ok());
  EXPECT_TRUE(connector.Devices(info).value().empty());
  EXPECT_EQ(connector.Open(info, "iscsi://elsewhere/x/1", AccessMode::kReadOnly).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(LibiscsiConnectorTest, APortalThatNeverAnswersTimesOut) {
  // A listening socket nobody accepts on: TCP connects (the kernel completes the handshake), the
  // login request is never answered. The login must give up after the I/O timeout.
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ConnectionInfo info = Info();
  info.data["target_portal"] = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));

  LibiscsiConnector connector({"iqn.2008-11.org.blockbackup:test", std::chrono::seconds(2)});
  auto start = std::chrono::steady_clock::now();
  auto r = connector.Connect(info);
  auto took = std::chrono::steady_clock::now() - start;
  ::close(fd);
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
  EXPECT_GE(took, std::chrono::seconds(1));
  EXPECT_LT(took, std::chrono::seconds(6));
}

}  // namespace
}  // namespace bb
