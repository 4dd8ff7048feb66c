// Several real backupd processes on one database: one live daemon per host identity (the lock
// dies with the process), two hosts never both working on one backup, and the operator's service
// commands and their refusals.
#include <unistd.h>

#include "backup_service/db/database.h"
#include "backup_service/db/event_log.h"
#include "tests/integration/multi_daemon_fixture.h"

namespace bb::it {
namespace {

class MultiDaemonRaceTest : public MultiDaemonTest {
 protected:
  // Hosts of every event row of the backup, in order.
  std::vector<std::string> EventHosts(const std::string& backup_id) {
    std::vector<std::string> hosts;
    auto db = Database::Open(database_->conninfo(), 1);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    if (!db.ok()) return hosts;
    auto events = ListEvents(**db, "backup", backup_id);
    EXPECT_TRUE(events.ok()) << events.status().ToString();
    if (events.ok()) {
      for (const auto& e : *events) hosts.push_back(e.host);
    }
    return hosts;
  }
  // Exactly one of the two succeeded; the other was refused with FAILED_PRECONDITION.
  static void ExpectOneWinner(const std::pair<grpc::Status, grpc::Status>& r,
                              const std::string& what) {
    EXPECT_EQ(r.first.ok() + r.second.ok(), 1)
        << what << ": a: " << r.first.error_message() << "; b: " << r.second.error_message();
    const grpc::Status& loser = r.first.ok() ? r.second : r.first;
    EXPECT_EQ(loser.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
        << what << ": " << loser.error_message();
  }
};

TEST_F(MultiDaemonTest, ASecondDaemonOfOneHostIsRefusedUntilTheFirstDies) {
  std::string host = NewHost("same");
  Start(a_, host);
  auto second = TryStart(host);
  ASSERT_FALSE(second.ok()) << "two daemons run as host " << host;
  std::string why = second.status().message();
  EXPECT_NE(why.find("exit code 1"), std::string::npos) << why;
  EXPECT_NE(why.find("another backupd holds host identity '" + host + "'"), std::string::npos)
      << why;

  Kill(a_);
  // The server ends the killed daemon's session, and its lock with it: the next daemon starts
  // at once (no lease to expire, no retry here).
  auto begin = std::chrono::steady_clock::now();
  Start(b_, host);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  std::cout << "restart after SIGKILL: serving after " << seconds << " s\n";
  EXPECT_LT(seconds, 10.0);
  CliRun list = CliOn(b_, {"--json", "service", "list"}, As::kOperator);
  ASSERT_EQ(list.code, 0) << list.Describe();
  int rows = 0;
  // Named: a range-for would not keep the temporary Json() alive.
  nlohmann::json services = list.Json()["services"];
  for (const auto& s : services) {
    if (s["host"] != host) continue;
    ++rows;
    EXPECT_EQ(s["alive"], true) << list.out;
  }
  EXPECT_EQ(rows, 1) << list.out;  // one row per host
}

TEST_F(MultiDaemonRaceTest, TwoHostsNeverBothWorkOnOneBackup) {
  Start(a_, NewHost("a"));
  Start(b_, NewHost("b"));
  v1::Volume volume = CreateVolumeOn(a_, 1, "shared");
  WriteSharedPattern(volume.id(), 0, 8 * kMiB, 1);
  Daemon* daemons[] = {&a_, &b_};

  // Create: the same volume through both daemons at the same instant, a few rounds.
  std::string last;
  for (int round = 0; round < 4; ++round) {
    v1::Backup made[2];
    auto create = [&](int i) {
      v1::CreateBackupRequest request;
      request.set_volume_id(volume.id());
      return daemons[i]->backups->CreateBackup(Ctx().get(), request, &made[i]);
    };
    auto r = Race([&] { return create(0); }, [&] { return create(1); });
    ExpectOneWinner(r, "create round " + std::to_string(round));
    int w = r.first.ok() ? 0 : 1;
    v1::Backup done = WaitResting(*daemons[w], made[w].id());
    EXPECT_EQ(done.status(), "available") << done.fail_reason();
    for (const auto& host : EventHosts(made[w].id())) EXPECT_EQ(host, daemons[w]->host);
    last = made[w].id();
  }
  EXPECT_EQ(VolumeStatusOn(b_, volume.id()), "available");

  // Restore: one backup into new volumes through both: one restore runs, the other is refused
  // and leaves no volume behind.
  v1::RestoreBackupResponse restored[2];
  auto restore = [&](int i) {
    v1::RestoreBackupRequest request;
    request.set_backup_id(last);
    return daemons[i]->backups->RestoreBackup(Ctx().get(), request, &restored[i]);
  };
  auto r = Race([&] { return restore(0); }, [&] { return restore(1); });
  ExpectOneWinner(r, "restore");
  int w = r.first.ok() ? 0 : 1;
  EXPECT_EQ(WaitResting(*daemons[w], last).status(), "available");
  EXPECT_EQ(VolumeStatusOn(*daemons[w], restored[w].volume_id()), "available");
  ExpectSameFiles(SharedVolumeFile(volume.id()), SharedVolumeFile(restored[w].volume_id()));
  v1::ListVolumesResponse volumes;
  ASSERT_TRUE(a_.volumes->ListVolumes(Ctx().get(), v1::ListVolumesRequest(), &volumes).ok());
  EXPECT_EQ(volumes.volumes_size(), 2) << "the refused restore left a volume";

  // Delete: one backup through both: one delete runs, the other is refused.
  auto del = [&](int i) {
    v1::DeleteBackupRequest request;
    request.set_backup_id(last);
    v1::Backup ignored;
    return daemons[i]->backups->DeleteBackup(Ctx().get(), request, &ignored);
  };
  r = Race([&] { return del(0); }, [&] { return del(1); });
  ExpectOneWinner(r, "delete");
  w = r.first.ok() ? 0 : 1;
  EXPECT_EQ(WaitResting(*daemons[w], last).status(), "gone");
  // From the delete on, only the daemon that won worked on the backup.
  std::vector<std::string> hosts = EventHosts(last);
  ASSERT_GE(hosts.size(), 2u);
  EXPECT_EQ(hosts[hosts.size() - 2], daemons[w]->host);  // available -> deleting
  EXPECT_EQ(hosts.back(), daemons[w]->host);             // deleting -> deleted
}

TEST_F(MultiDaemonTest, ServiceCommandsAreTheOperatorsAndRefuseWhatTheyMust) {
  std::string host_a = NewHost("a");
  std::string host_b = NewHost("b");
  Start(a_, host_a);
  Start(b_, host_b);
  ExpectRefused(CliOn(b_, {"service", "list"}), "PERMISSION_DENIED", "operator");
  ExpectRefused(CliOn(b_, {"service", "takeover", host_a}), "PERMISSION_DENIED", "operator");

  CliRun list = CliOn(b_, {"--json", "service", "list"}, As::kOperator);
  ASSERT_EQ(list.code, 0) << list.Describe();
  auto json = list.Json();
  EXPECT_EQ(json["answered_by"], host_b);
  std::map<std::string, nlohmann::json> by_host;
  for (const auto& s : json["services"]) by_host[s["host"]] = s;
  ASSERT_TRUE(by_host.count(host_a) && by_host.count(host_b)) << list.out;
  EXPECT_EQ(by_host[host_a]["alive"], true);
  EXPECT_EQ(by_host[host_b]["alive"], true);
  EXPECT_GT(by_host[host_a]["started_at_us"].get<int64_t>(), 0);
  EXPECT_LT(by_host[host_a]["heartbeat_age_ms"].get<int64_t>(), 60000);
  CliRun table = CliOn(b_, {"service", "list"}, As::kOperator);
  ASSERT_EQ(table.code, 0) << table.Describe();
  EXPECT_NE(table.out.find("HOST"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find(host_a), std::string::npos) << table.out;

  ExpectRefused(CliOn(b_, {"service", "takeover", host_b}, As::kOperator), "INVALID_ARGUMENT",
                "own");
  ExpectRefused(CliOn(b_, {"service", "takeover", NewHost("never")}, As::kOperator), "NOT_FOUND",
                "no backupd has run as host");
  ExpectRefused(CliOn(b_, {"service", "takeover", host_a}, As::kOperator), "FAILED_PRECONDITION",
                "is alive");

  Stop(a_);  // a clean stop: down, with its stop time recorded
  list = CliOn(b_, {"--json", "service", "list"}, As::kOperator);
  nlohmann::json services = list.Json()["services"];
  for (const auto& s : services) by_host[s["host"]] = s;
  EXPECT_EQ(by_host[host_a]["alive"], false);
  EXPECT_GT(by_host[host_a]["stopped_at_us"].get<int64_t>(), 0);
  CliRun takeover = CliOn(b_, {"--json", "service", "takeover", host_a}, As::kOperator);
  ASSERT_EQ(takeover.code, 0) << takeover.Describe();
  EXPECT_EQ(takeover.Json()["host"], host_a);
  EXPECT_EQ(takeover.Json()["recovered_by"], host_b);
  EXPECT_EQ(takeover.Json()["backups_failed"], 0);  // it left nothing unfinished
}

}  // namespace
}  // namespace bb::it
