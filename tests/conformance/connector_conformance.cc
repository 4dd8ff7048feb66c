// The Connector conformance cases; see connector_conformance.h.
#include "tests/conformance/connector_conformance.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <random>
#include <thread>

#include "volume_drivers/testing/file_io.h"

namespace bb::testing {
namespace {

constexpr int64_t kKiB = 1024;
constexpr int64_t kMiB = 1024 * kKiB;
constexpr int64_t kSourceSize = 4 * kMiB;

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

std::string Bytes(int64_t size, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::string data(static_cast<size_t>(size), '\0');
  for (size_t i = 0; i + 8 <= data.size(); i += 8) {
    uint64_t v = rng();
    std::memcpy(&data[i], &v, 8);
  }
  return data;
}

// Reads [offset, offset + length) through the handle.
Result<std::string> ReadThrough(BlockDevice& dev, int64_t offset, int64_t length) {
  std::string out(static_cast<size_t>(length), '\0');
  RETURN_IF_ERROR(dev.ReadAt(offset, std::span<char>(out.data(), out.size())));
  return out;
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

std::string ConnectorFactoryName(const ::testing::TestParamInfo<ConnectorFactory>& info) {
  return info.param.name;
}

std::string NeedsRoot(const std::string& what) {
  return geteuid() == 0 ? "" : "needs root: " + what + "; run the tests as root";
}

void ConnectorConformanceTest::SetUp() {
  auto dir = TempDir::Create("bb-connector-conformance-");
  ASSERT_TRUE(dir.ok()) << dir.status().ToString();
  dir_.emplace(std::move(dir).value());
  auto c = CreateConnector(GetParam().type, runner_, GetParam().options());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  connector_ = std::move(c).value();
}

void ConnectorConformanceTest::TearDown() {
  for (const auto& [info, device] : connected_) EXPECT_OK(connector_->Disconnect(info, device));
  connected_.clear();
  if (env_) EXPECT_OK(env_->Cleanup());
  env_.reset();
}

bool ConnectorConformanceTest::Live() {
  std::string why = GetParam().unavailable ? GetParam().unavailable() : "";
  if (!why.empty()) {
    [&] { GTEST_SKIP() << why; }();
    return false;
  }
  auto env = GetParam().create(runner_, dir_->path());
  if (!env.ok()) {
    ADD_FAILURE() << "creating the " << GetParam().name
                  << " environment: " << env.status().ToString();
    return false;
  }
  env_ = std::move(env).value();
  return true;
}

std::string ConnectorConformanceTest::SourceFile(int64_t size, uint32_t seed) {
  std::string path = dir_->path() + "/source-" + std::to_string(seed);
  std::string bytes = Bytes(size, seed);
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(size));
  auto back = ReadAt(path, 0, static_cast<size_t>(size));
  EXPECT_TRUE(back.ok() && *back == bytes) << "could not write " << path;
  return path;
}

Result<std::string> ConnectorConformanceTest::Connect(const ConnectionInfo& info) {
  ASSIGN_OR_RETURN(std::string device, connector_->Connect(info));
  connected_.emplace_back(info, device);
  return device;
}

Status ConnectorConformanceTest::Disconnect(const ConnectionInfo& info, const std::string& device) {
  RETURN_IF_ERROR(connector_->Disconnect(info, device));
  std::erase_if(connected_, [&](const auto& c) { return c.second == device; });
  return Status::Ok();
}

void ConnectorConformanceTest::ExpectNothingLeft(const ConnectionInfo& info) {
  // A target forgets a closed session a moment after the initiator's logout returns: poll.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  Result<std::vector<std::string>> left = env_->Leftovers(info);
  while (left.ok() && !left->empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    left = env_->Leftovers(info);
  }
  ASSERT_TRUE(left.ok()) << left.status().ToString();
  for (const auto& l : *left) ADD_FAILURE() << "left behind: " << l;
}

TEST_P(ConnectorConformanceTest, ReadThroughTheHandleEqualsTheSource) {
  if (!Live()) return;
  std::string source = SourceFile(kSourceSize, 1);
  auto info = env().Export(source, /*read_only=*/true);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  auto device = Connect(*info);
  ASSERT_TRUE(device.ok()) << device.status().ToString();
  auto dev = connector().Open(*info, *device, AccessMode::kReadOnly);
  ASSERT_TRUE(dev.ok()) << dev.status().ToString();
  ASSERT_EQ((*dev)->Size(), kSourceSize);
  std::string expected = Bytes(kSourceSize, 1);
  for (int64_t off = 0; off < kSourceSize; off += kMiB) {
    auto got = ReadThrough(**dev, off, kMiB);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_TRUE(*got == expected.substr(off, kMiB)) << "bytes differ in the MiB at " << off;
  }
  EXPECT_OK((*dev)->Close());
  ASSERT_OK(Disconnect(*info, *device));
  ExpectNothingLeft(*info);
}

TEST_P(ConnectorConformanceTest, WriteThroughTheHandleReachesTheSource) {
  if (!Live()) return;
  std::string source = SourceFile(kSourceSize, 2);
  auto info = env().Export(source, /*read_only=*/false);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  auto device = Connect(*info);
  ASSERT_TRUE(device.ok()) << device.status().ToString();
  std::string written = Bytes(kMiB, 3);
  {
    auto dev = connector().Open(*info, *device, AccessMode::kReadWrite);
    ASSERT_TRUE(dev.ok()) << dev.status().ToString();
    ASSERT_OK((*dev)->WriteAt(kMiB, std::span<const char>(written.data(), written.size())));
    ASSERT_OK((*dev)->Flush());
    ASSERT_OK((*dev)->Close());
  }
  EXPECT_OK(connector().Flush(*device));
  ASSERT_OK(Disconnect(*info, *device));
  // The source file has the write, and only it.
  std::string expected = Bytes(kSourceSize, 2);
  expected.replace(kMiB, kMiB, written);
  auto local = ReadAt(source, 0, kSourceSize);
  ASSERT_TRUE(local.ok()) << local.status().ToString();
  EXPECT_TRUE(*local == expected) << "the source does not hold exactly what was written";
  // A new attachment reads it back.
  auto again = Connect(*info);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  auto dev = connector().Open(*info, *again, AccessMode::kReadOnly);
  ASSERT_TRUE(dev.ok()) << dev.status().ToString();
  auto back = ReadThrough(**dev, kMiB, kMiB);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(*back == written);
  EXPECT_OK((*dev)->Close());
  ASSERT_OK(Disconnect(*info, *again));
  ExpectNothingLeft(*info);
}

TEST_P(ConnectorConformanceTest, DisconnectIsIdempotentAndLeavesNothing) {
  if (!Live()) return;
  auto info = env().Export(SourceFile(kMiB, 4), /*read_only=*/true);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  auto device = Connect(*info);
  ASSERT_TRUE(device.ok()) << device.status().ToString();
  ASSERT_OK(Disconnect(*info, *device));
  EXPECT_OK(connector().Disconnect(*info, *device));
  EXPECT_OK(connector().Disconnect(*info, *device));
  ExpectNothingLeft(*info);
}

TEST_P(ConnectorConformanceTest, DevicesFindsWhatConnectMade) {
  if (!Live()) return;
  auto info = env().Export(SourceFile(kMiB, 5), /*read_only=*/true);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  auto device = Connect(*info);
  ASSERT_TRUE(device.ok()) << device.status().ToString();
  auto dev = connector().Open(*info, *device, AccessMode::kReadOnly);
  ASSERT_TRUE(dev.ok()) << dev.status().ToString();
  auto devices = connector().Devices(*info);
  ASSERT_TRUE(devices.ok()) << devices.status().ToString();
  if (traits().devices_outlive_process) {
    // Restart cleanup: a crash between Connect and recording the device finds it here.
    EXPECT_TRUE(Contains(*devices, *device)) << *device << " not listed by Devices()";
  } else {
    RecordProperty("trait", "devices_outlive_process=false: checked Devices() stays empty");
    EXPECT_TRUE(devices->empty()) << "nothing of this connector outlives the process, yet "
                                  << devices->front() << " is listed";
  }
  EXPECT_OK((*dev)->Close());
  ASSERT_OK(Disconnect(*info, *device));
  ExpectNothingLeft(*info);
}

TEST_P(ConnectorConformanceTest, WrongChapIsRefusedAndLeavesNothing) {
  if (!Live()) return;
  std::string source = SourceFile(kMiB, 6);
  auto info = env().Export(source, /*read_only=*/true);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  ConnectionInfo wrong = *info;
  const std::string bad_secret = "wrong-secret-0123456789";
  wrong.data["auth_method"] = "CHAP";
  wrong.data["auth_username"] =
      info->data.count("auth_username") ? info->data.at("auth_username") : std::string("nobody");
  wrong.data["auth_password"] = bad_secret;
  auto device = Connect(wrong);
  if (!traits().chap) {
    RecordProperty("trait", "chap=false: checked credentials in the info are ignored");
    ASSERT_TRUE(device.ok()) << device.status().ToString();
    auto dev = connector().Open(wrong, *device, AccessMode::kReadOnly);
    ASSERT_TRUE(dev.ok()) << dev.status().ToString();
    auto got = ReadThrough(**dev, 0, 64 * kKiB);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_TRUE(*got == Bytes(kMiB, 6).substr(0, 64 * kKiB));
    EXPECT_OK((*dev)->Close());
    ASSERT_OK(Disconnect(wrong, *device));
    ExpectNothingLeft(wrong);
    return;
  }
  ASSERT_EQ(device.status().code(), StatusCode::kPermissionDenied) << device.status().ToString();
  const std::string msg = device.status().message();
  EXPECT_NE(msg.find("CHAP"), std::string::npos) << msg;
  EXPECT_EQ(msg.find(bad_secret), std::string::npos) << "the secret is in the error: " << msg;
  EXPECT_EQ(msg.find(info->data.at("auth_password")), std::string::npos) << msg;
  auto devices = connector().Devices(*info);
  ASSERT_TRUE(devices.ok()) << devices.status().ToString();
  EXPECT_TRUE(devices->empty()) << devices->front();
  ExpectNothingLeft(*info);
}

TEST_P(ConnectorConformanceTest, AnExportThatVanishesGivesACleanError) {
  if (!Live()) return;
  std::string source = SourceFile(kSourceSize, 7);
  std::string expected = Bytes(kSourceSize, 7);
  auto info = env().Export(source, /*read_only=*/true);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  auto device = Connect(*info);
  ASSERT_TRUE(device.ok()) << device.status().ToString();
  auto dev = connector().Open(*info, *device, AccessMode::kReadOnly);
  ASSERT_TRUE(dev.ok()) << dev.status().ToString();
  auto first = ReadThrough(**dev, 0, 64 * kKiB);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(*first == expected.substr(0, 64 * kKiB));

  ASSERT_OK(env().Vanish(*info));
  // Read what was never read before (nothing of it can be in a cache).
  const auto start = std::chrono::steady_clock::now();
  Status read;
  for (int64_t off = 2 * kMiB; off < kSourceSize && read.ok(); off += 256 * kKiB) {
    auto got = ReadThrough(**dev, off, 256 * kKiB);
    read = got.status();
    if (got.ok() && *got != expected.substr(off, 256 * kKiB)) {
      ADD_FAILURE() << "wrong bytes at " << off << " after the export vanished";
      break;
    }
  }
  const auto took = std::chrono::steady_clock::now() - start;
  if (traits().vanish_fails_io) {
    EXPECT_FALSE(read.ok()) << "reads went on after the target vanished";
    EXPECT_NE(read.code(), StatusCode::kOk);
    EXPECT_LT(took, std::chrono::seconds(60)) << "the read hung instead of failing";
  } else {
    RecordProperty("trait", "vanish_fails_io=false: checked the open device keeps its data");
    EXPECT_OK(read);
  }
  (void)(*dev)->Close();  // may fail: the target is gone
  EXPECT_OK(Disconnect(*info, *device));
  EXPECT_OK(connector().Disconnect(*info, *device));
  ExpectNothingLeft(*info);
}

TEST_P(ConnectorConformanceTest, SomethingAbsentIsNotFoundAndLeavesNothing) {
  if (!Live()) return;
  ConnectionInfo absent = env().Absent();
  auto device = Connect(absent);
  EXPECT_EQ(device.status().code(), StatusCode::kNotFound) << device.status().ToString();
  ExpectNothingLeft(absent);
}

TEST_P(ConnectorConformanceTest, BadConnectionInfoIsInvalidArgument) {
  ConnectionInfo empty{GetParam().type, {}};
  auto device = connector().Connect(empty);
  EXPECT_EQ(device.status().code(), StatusCode::kInvalidArgument) << device.status().ToString();
  EXPECT_EQ(connector().Devices(empty).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(connector().Disconnect(empty, "/dev/null").code(), StatusCode::kInvalidArgument);
}

TEST_P(ConnectorConformanceTest, MissingInitiatorNameIsInvalidArgument) {
  ConnectorOptions o = GetParam().options();
  o.initiator_name.clear();
  auto c = CreateConnector(GetParam().type, runner_, o);
  if (!traits().needs_initiator_name) {
    RecordProperty("trait", "needs_initiator_name=false: checked it is created without one");
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return;
  }
  ASSERT_EQ(c.status().code(), StatusCode::kInvalidArgument) << c.status().ToString();
  EXPECT_NE(c.status().message().find("initiator name"), std::string::npos) << c.status().message();
}

TEST_P(ConnectorConformanceTest, UnknownConnectorTypeIsNotFoundNamingTheKnownTypes) {
  auto c = CreateConnector("fibre_channel", runner_, GetParam().options());
  ASSERT_EQ(c.status().code(), StatusCode::kNotFound) << c.status().ToString();
  const std::string msg = c.status().message();
  EXPECT_NE(msg.find("fibre_channel"), std::string::npos) << msg;
  EXPECT_NE(msg.find(KnownConnectorTypes()), std::string::npos) << msg;
  EXPECT_NE(KnownConnectorTypes().find(GetParam().type), std::string::npos)
      << GetParam().type << " is not among the known types";
}

}  // namespace bb::testing
