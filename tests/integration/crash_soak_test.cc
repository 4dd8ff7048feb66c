// The crash soak: randomised create / restore / delete runs, and cancels of running backups (a
// force delete) and restores, against one real backupd, each with
// a random fault: a failpoint that kills (at a random hit for the per-chunk ones), a failpoint
// that returns an error, an outside SIGKILL after a random delay, or none. After every run (and
// the restart a kill needs) the audit of crash_fixture.h must find nothing transitional or
// leaked, the sources must be back in their status, and a restore target that ended available
// must hold the source's data. At the end every available backup must restore bit-exact and
// deleting everything must leave nothing. Prints a table of outcomes.
//
// BB_SOAK_RUNS (default 50; tests/run.sh --soak N), BB_SOAK_SEED (default: random, printed, so a
// failing run can be replayed), BB_SOAK_REPORT (a file the table is also written to).
#include <gtest/gtest.h>

#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <random>
#include <sstream>

#include "backup_service/model/failpoints.h"
#include "tests/integration/crash_fixture.h"

namespace bb::it {
namespace {

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::atoi(v) : fallback;
}

class CrashSoakTest : public CrashTest {
 protected:
  struct Fault {
    std::string kind;       // "kill", "error", "sigkill", "none"
    std::string failpoint;  // for kill/error
    std::string spec;       // BB_FAILPOINTS
    int delay_ms = 0;       // for sigkill
    std::string Label() const {
      if (kind == "sigkill") return "sigkill";
      if (kind == "none") return "none";
      return kind + " " + failpoint;
    }
  };

  Fault RandomFault(const std::string& op) {
    // A cancel of a backup reaches the cancel table's points and then the delete's.
    std::vector<std::string> points;
    for (const auto& f : AllFailpoints()) {
      if (f.operation == op ||
          (op == "cancel-backup" && (f.operation == "cancel" || f.operation == "delete"))) {
        points.emplace_back(f.name);
      }
    }
    int dice = Uniform(0, 99);
    Fault f;
    f.kind = dice < 40 ? "kill" : dice < 65 ? "error" : dice < 85 ? "sigkill" : "none";
    if (points.empty() && (f.kind == "kill" || f.kind == "error")) f.kind = "sigkill";
    if (f.kind == "kill" || f.kind == "error") {
      f.failpoint = points[Uniform(0, static_cast<int>(points.size()) - 1)];
      bool per_chunk = f.failpoint == "create.mid_upload" || f.failpoint == "restore.mid_write";
      // A job's final database write fails once (a transient failure, retried): a database that
      // stays unreachable is the PostgreSQL-outage test's subject.
      bool final_write = f.failpoint == "create.before_db_available" ||
                         f.failpoint == "restore.before_volume_available" ||
                         f.failpoint == "restore.before_backup_available" ||
                         f.failpoint == "delete.before_db_deleted";
      f.spec = f.failpoint + "=" + f.kind;
      if (per_chunk) f.spec += "@" + std::to_string(Uniform(1, 40));
      if (final_write && f.kind == "error") f.spec += "@1";
    }
    // Jobs on these small volumes take ~0.2 s; 1 ms per chunk (1024 chunks per GiB) stretches
    // them to ~1 s, so a kill (or a cancel) lands anywhere from the first transition to the last.
    const std::string slow = "create.mid_upload=delay:1,restore.mid_write=delay:1";
    if (f.kind == "sigkill") {
      f.spec = slow;
      f.delay_ms = Uniform(0, 1200);
    } else if (op.rfind("cancel-", 0) == 0) {
      f.spec = f.spec.empty() ? slow : slow + "," + f.spec;
    }
    return f;
  }

  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  // Waits until the daemon died (true) or `backup_id` rests (false).
  bool DiedBeforeResting(const std::string& backup_id) {
    for (int i = 0; i < 3000; ++i) {
      auto w = daemon_->WaitForExit(std::chrono::milliseconds(100));
      if (w.ok()) {
        volumes_.reset();
        backups_.reset();
        daemon_.reset();
        return true;
      }
      std::string s = GetBackupStatus(backup_id);
      // No answer (UNAVAILABLE): the daemon may be dying right now; look again. (NOT_FOUND, a
      // deleted backup, is resting.)
      if (s == "error " + std::to_string(grpc::StatusCode::UNAVAILABLE)) continue;
      if (s != "creating" && s != "restoring" && s != "deleting") return false;
    }
    ADD_FAILURE() << "backup " << backup_id << " neither rested nor died in 300 s";
    return false;
  }

  // Runs `op` under `fault`; returns the outcome for the table.
  std::string RunOnce(const std::string& op, const Fault& fault) {
    StartWith(fault.spec);
    bool may_crash = fault.kind == "kill" || fault.kind == "sigkill";
    std::string backup_id, target, sigkill_when;
    if (op == "create") {
      const std::string& source = Uniform(0, 1) ? in_use_ : available_;
      backup_id = StartBackup(source, /*force=*/true, may_crash);
    } else if (op == "restore") {
      backup_id = Pick("available");
      bool new_target = Uniform(0, 1);
      target = new_target ? "" : CreateVolume(1, "target").id();
      target = StartRestore(backup_id, target, may_crash);
    } else if (op == "cancel-backup") {
      // A force delete (admin) of the running backup, at a random moment of it.
      backup_id = StartBackup(Uniform(0, 1) ? in_use_ : available_, /*force=*/true, may_crash);
      std::this_thread::sleep_for(std::chrono::milliseconds(Uniform(0, 900)));
      grpc::Status s = StartDelete(backup_id, /*force=*/true, may_crash);
      EXPECT_TRUE(s.ok()) << s.error_message();
    } else if (op == "cancel-restore") {
      backup_id = Pick("available");
      target =
          StartRestore(backup_id, Uniform(0, 1) ? "" : CreateVolume(1, "target").id(), may_crash);
      std::this_thread::sleep_for(std::chrono::milliseconds(Uniform(0, 900)));
      v1::CancelRestoreRequest request;
      request.set_backup_id(backup_id);
      v1::CancelRestoreResponse response;
      grpc::Status s = backups_->CancelRestore(Ctx().get(), request, &response);
      // Too late (the restore ended) is refused and changes nothing.
      EXPECT_TRUE(s.ok() || s.error_code() == grpc::StatusCode::FAILED_PRECONDITION ||
                  (may_crash && s.error_code() == grpc::StatusCode::UNAVAILABLE))
          << s.error_message();
    } else {
      // Mostly available backups; sometimes a failed one (no manifest to remove).
      bool failed_one = Uniform(0, 3) == 0;
      backup_id = Pick(failed_one ? "error" : "available");
      if (backup_id.empty()) backup_id = Pick(failed_one ? "available" : "error");
      grpc::Status s = StartDelete(backup_id, false, may_crash);
      EXPECT_TRUE(s.ok()) << s.error_message();
    }
    if (backup_id.empty()) {
      ADD_FAILURE() << op << " under " << fault.Label() << " did not start";
      if (daemon_) StopDaemon();
      return "not started";
    }
    if (fault.kind == "sigkill") {
      std::this_thread::sleep_for(std::chrono::milliseconds(fault.delay_ms));
      std::string seen = GetBackupStatus(backup_id);
      KillDaemon();
      bool busy = seen == "creating" || seen == "restoring" || seen == "deleting";
      sigkill_when = busy ? "killed while " + seen + "; " : "killed after the job; ";
    }
    bool died = fault.kind == "sigkill" || (daemon_ && DiedBeforeResting(backup_id));
    if (died) StartWith("");  // restart cleanup
    std::string outcome = WaitResting(backup_id);
    if (!target.empty()) {
      std::string t = GetVolume(target).status();
      outcome += ", target " + t;
      EXPECT_TRUE(t == "available" || t == "error" || t == "error_restoring") << t;
      if (t == "available") {
        auto rows = QueryRows(database_->conninfo(),
                              "SELECT volume_id FROM backups WHERE id = '" + backup_id + "'");
        if (!rows.empty()) ExpectSameFiles(VolumeFile(target), VolumeFile(rows[0]));
      }
      DeleteVolume(target);
    }
    EXPECT_EQ(GetVolume(in_use_).status(), "in-use");
    EXPECT_EQ(GetVolume(available_).status(), "available");
    if (died) outcome = (fault.kind == "sigkill" ? sigkill_when : "killed; ") + outcome;
    if (daemon_) StopDaemon();
    return outcome;
  }

  // A random backup of the project in `status` (empty when there is none).
  std::string Pick(const std::string& status) {
    auto rows = QueryRows(database_->conninfo(), "SELECT id FROM backups WHERE project_id = '" +
                                                     project_ + "' AND status = '" + status + "'");
    return rows.empty() ? "" : rows[Uniform(0, static_cast<int>(rows.size()) - 1)];
  }
  int Count(const std::string& status) {
    auto rows =
        QueryRows(database_->conninfo(), "SELECT count(*) FROM backups WHERE project_id = '" +
                                             project_ + "' AND status = '" + status + "'");
    return rows.empty() ? 0 : std::atoi(rows[0].c_str());
  }

  std::mt19937 rng_;
  std::string in_use_, available_;
};

TEST_F(CrashSoakTest, RandomisedRunsWithKillsLeaveNothingStuckOrLeaked) {
  const int runs = EnvInt("BB_SOAK_RUNS", 50);
  const unsigned seed =
      static_cast<unsigned>(EnvInt("BB_SOAK_SEED", std::random_device{}() % 1000000));
  rng_.seed(seed);
  std::cout << "soak: " << runs << " runs, BB_SOAK_SEED=" << seed << std::endl;

  StartWith("");
  in_use_ = CreateVolume(1, "in-use source").id();
  available_ = CreateVolume(1, "available source").id();
  WritePattern(in_use_, 0, 5 * kMiB, 21);
  WritePattern(in_use_, 700 * kMiB, 3 * kMiB, 22);
  WritePattern(available_, 64 * kMiB, 7 * kMiB, 23);
  Attach(in_use_);
  StopDaemon();

  std::map<std::pair<std::string, std::string>, std::map<std::string, int>> table;
  for (int i = 0; i < runs && !HasFatalFailure(); ++i) {
    // Restores and deletes need backups; deletes grow likelier as backups pile up.
    int available = Count("available"), failed = Count("error");
    std::string op = "create";
    int dice = Uniform(0, 9);
    if (dice == 4) op = "cancel-backup";
    if (available > 0 && dice >= 5) op = dice == 5 ? "cancel-restore" : "restore";
    if (available + failed > 0 && (dice >= 8 || available + failed > 12)) op = "delete";
    Fault fault = RandomFault(op);
    std::string outcome = RunOnce(op, fault);
    std::string kind = fault.kind == "sigkill" ? "sigkill after 0-1200 ms" : fault.Label();
    ++table[{op, kind}][outcome];
    ExpectNothingLeaked("soak run " + std::to_string(i) + ": " + op + " with " + fault.Label() +
                        " (" + fault.spec + ") -> " + outcome);
    if (HasFailure()) {
      ADD_FAILURE() << "stopping at run " << i << "; replay with BB_SOAK_SEED=" << seed;
      break;
    }
  }

  std::ostringstream report;
  report << "crash soak: " << runs << " runs, seed " << seed << "\n"
         << std::left << std::setw(16) << "op" << std::setw(40) << "fault"
         << "outcomes\n";
  for (const auto& [key, outcomes] : table) {
    report << std::setw(16) << key.first << std::setw(40) << key.second;
    const char* sep = "";
    for (const auto& [outcome, n] : outcomes) {
      report << sep << n << "x " << outcome;
      sep = "; ";
    }
    report << "\n";
  }
  std::cout << report.str();
  if (const char* path = std::getenv("BB_SOAK_REPORT"); path != nullptr && *path != '\0') {
    std::ofstream(path) << report.str();
  }

  StartWith("");
  ExpectAvailableBackupsRestoreBitExact();
  DeleteEverythingAndExpectEmpty();
}

}  // namespace
}  // namespace bb::it
