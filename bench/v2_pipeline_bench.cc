// bb_v2_pipeline_bench IMAGE MUTATED SCRATCH [--level N] [--v1-level N]: the format v2 pipeline
// (backup_service/datapath/pipeline_v2, not wired into backupd yet) side by side with the v1
// engine (RunBackupJob / RunRestoreJob) in one run, on the same images, into posix stores under
// SCRATCH (the same file system as the images when SCRATCH is beside them). Steps, each timed
// (wall, process CPU, peak RSS via VmHWM reset through /proc/self/clear_refs):
//   full backup of IMAGE, incremental of MUTATED (no changed-extent information: everything is
//   re-read and deduplicated), restore of the incremental into a new sparse file (checked
//   byte for byte against MUTATED, outside the timing), and for v2 the same full and restore
//   with encryption on. Stored bytes and objects per GiB stored come from the stores.
// Images: cc -O2 -o gen_volume bench/gen_volume.c && ./gen_volume create vol.img 1024 42 &&
//         cp vol.img mut.img && ./gen_volume mutate mut.img 1
// Built with everything, run by hand; never by tests/run.sh.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "backup_service/datapath/backup_job.h"
#include "backup_service/datapath/pipeline_v2/backup_pipeline.h"
#include "backup_service/datapath/pipeline_v2/restore_pipeline.h"
#include "backup_service/datapath/restore_job.h"

namespace {

namespace fs = std::filesystem;

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "bb_v2_pipeline_bench: %s\n", what.c_str());
  std::exit(1);
}

double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

std::string ReadSmallFile(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

int64_t PeakRssKib() {
  std::string s = ReadSmallFile("/proc/self/status");
  size_t at = s.find("VmHWM:");
  return at == std::string::npos ? -1 : std::atoll(s.c_str() + at + 6);
}

void ResetPeakRss() { std::ofstream("/proc/self/clear_refs") << "5"; }

// Reads a file once so that every step starts with it in the page cache.
void Warm(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) Die("open " + path);
  std::vector<char> buf(8 << 20);
  while (::read(fd, buf.data(), buf.size()) > 0) {
  }
  ::close(fd);
}

bool SameContent(const std::string& a, const std::string& b) {
  std::ifstream fa(a, std::ios::binary), fb(b, std::ios::binary);
  std::vector<char> x(8 << 20), y(8 << 20);
  for (;;) {
    fa.read(x.data(), static_cast<std::streamsize>(x.size()));
    fb.read(y.data(), static_cast<std::streamsize>(y.size()));
    if (fa.gcount() != fb.gcount()) return false;
    if (fa.gcount() == 0) return true;
    if (std::memcmp(x.data(), y.data(), static_cast<size_t>(fa.gcount())) != 0) return false;
  }
}

void NewSparseFile(const std::string& path, int64_t size) {
  fs::remove(path);
  int fd = ::open(path.c_str(), O_CREAT | O_WRONLY, 0600);
  if (fd < 0 || ::ftruncate(fd, size) != 0) Die("create " + path);
  ::close(fd);
}

struct Step {
  double wall = 0, cpu = 0;
  int64_t rss_mib = 0;
};

Step Measure(const std::function<void()>& fn) {
  ::sync();
  ResetPeakRss();
  const double c0 = CpuSeconds();
  const auto t0 = std::chrono::steady_clock::now();
  fn();
  Step s;
  s.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  s.cpu = CpuSeconds() - c0;
  s.rss_mib = PeakRssKib() / 1024;
  return s;
}

// Runs argv (no shell) and waits; dies unless it exits 0.
void Run(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0) {
    Die("command failed: " + args[0]);
  }
}

// The machine's floors, as bench/run.sh measures them: backup = zstd -1 -T2 of the image into
// the store's file system + sync; restore = cp of the image + sync (children's CPU not counted).
Step Floor(const std::vector<std::string>& argv) {
  return Measure([&] {
    Run(argv);
    Run({"sync"});
  });
}

struct DirUsage {
  int64_t files = 0, bytes = 0;
};
DirUsage Usage(const std::string& dir) {
  DirUsage u;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) {
      ++u.files;
      u.bytes += static_cast<int64_t>(e.file_size());
    }
  }
  return u;
}

std::unique_ptr<bb::ObjectStore> Posix(const std::string& root) {
  fs::create_directories(root);
  auto s = bb::CreateObjectStore("posix", {{"path", root}});
  if (!s.ok()) Die(s.status().message());
  return std::move(s).value();
}

template <typename T>
T Check(bb::Result<T> r, const std::string& what) {
  if (!r.ok()) Die(what + ": " + r.status().message());
  return std::move(r).value();
}

std::string Row(const char* name, double mb, const Step& s) {
  char buf[256];
  std::snprintf(buf, sizeof(buf), "%.1f MB/s (%.2f s, %.1f CPU s, %lld MiB)",
                s.wall > 0 ? mb / s.wall : 0, s.wall, s.cpu, static_cast<long long>(s.rss_mib));
  (void)name;
  return buf;
}

struct Engine {
  Step full, incr, restore;
  int64_t full_stored = 0, incr_stored = 0, full_objects = 0;
  bool restore_ok = false;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) Die("usage: bb_v2_pipeline_bench IMAGE MUTATED SCRATCH [--level N] [--v1-level N]");
  const std::string image = argv[1], mutated = argv[2], scratch = argv[3];
  int level = 1, v1_level = 3, puts = 2, workers = 2;
  bool only_v2 = false;
  for (int i = 4; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--level") level = std::atoi(argv[i + 1]);
    if (std::string(argv[i]) == "--v1-level") v1_level = std::atoi(argv[i + 1]);
    if (std::string(argv[i]) == "--puts") puts = std::atoi(argv[i + 1]);
    if (std::string(argv[i]) == "--workers") workers = std::atoi(argv[i + 1]);
    if (std::string(argv[i]) == "--only-v2") only_v2 = std::atoi(argv[i + 1]) != 0;
  }
  const int64_t size = static_cast<int64_t>(fs::file_size(image));
  if (static_cast<int64_t>(fs::file_size(mutated)) != size) Die("images differ in size");
  const double mb = static_cast<double>(size) / 1e6;
  fs::remove_all(scratch + "/v1");
  fs::remove_all(scratch + "/v2");
  fs::remove_all(scratch + "/v2e");
  fs::create_directories(scratch);
  const std::string load_start = ReadSmallFile("/proc/loadavg");

  // --- v1: RunBackupJob / RunRestoreJob (4 MiB chunks, one object per chunk) ---
  Engine v1;
  if (!only_v2) {
    auto store = Posix(scratch + "/v1");
    bb::BackupJobSpec spec;
    spec.store = store.get();
    spec.container = "bench";
    spec.size_bytes = size;
    spec.volume_id = "vol";
    spec.compression_level = v1_level;
    Warm(image);
    bb::BackupJobResult full;
    v1.full = Measure([&] {
      spec.source_path = image;
      spec.backup_id = "full";
      full = Check(bb::RunBackupJob(spec), "v1 full");
    });
    v1.full_stored = Usage(scratch + "/v1").bytes;
    v1.full_objects = Usage(scratch + "/v1").files;
    Warm(mutated);
    v1.incr = Measure([&] {
      spec.source_path = mutated;
      spec.backup_id = "incr";
      spec.parent_id = "full";
      spec.parent_manifest_object = full.manifest_object;
      Check(bb::RunBackupJob(spec), "v1 incremental");
    });
    v1.incr_stored = Usage(scratch + "/v1").bytes - v1.full_stored;
    const std::string target = scratch + "/v1-restored.img";
    NewSparseFile(target, size);
    v1.restore = Measure([&] {
      bb::RestoreJobSpec r;
      r.store = store.get();
      r.container = "bench";
      r.manifest_object = "manifests/incr.json";
      r.target_path = target;
      r.target_size_bytes = size;
      r.target_is_zeroed = true;
      Check(bb::RunRestoreJob(r), "v1 restore");
    });
    v1.restore_ok = SameContent(target, mutated);
    fs::remove(target);
  }

  // --- v2: RunV2Backup / RunV2Restore, plain and encrypted ---
  bb::Key256 master{};
  for (size_t i = 0; i < master.size(); ++i) master[i] = static_cast<uint8_t>(i * 7 + 1);
  auto run_v2 = [&](const std::string& dir, bool encrypt, bool with_incr) {
    Engine e;
    auto store = Posix(scratch + "/" + dir);
    auto backup = [&](const std::string& path, const std::string& id) {
      auto dev = Check(bb::FileBlockDevice::Open(path, bb::AccessMode::kReadOnly), "open");
      bb::v2::V2BackupSpec spec;
      spec.source = dev.get();
      spec.store = store.get();
      spec.container = "bench";
      spec.header.backup_id = id;
      spec.header.project_id = "bench";
      spec.header.volume_id = "vol";
      spec.encrypt = encrypt;
      spec.master_key = master;
      spec.compression_level = level;
      spec.max_puts = puts;
      spec.workers = workers;
      Check(bb::v2::RunV2Backup(spec), "v2 backup " + id);
    };
    Warm(image);
    e.full = Measure([&] { backup(image, "full"); });
    e.full_stored = Usage(scratch + "/" + dir).bytes;
    e.full_objects = Usage(scratch + "/" + dir).files;
    std::string restore_id = "full", want = image;
    if (with_incr) {
      Warm(mutated);
      e.incr = Measure([&] { backup(mutated, "incr"); });
      e.incr_stored = Usage(scratch + "/" + dir).bytes - e.full_stored;
      restore_id = "incr";
      want = mutated;
    }
    const std::string target = scratch + "/" + dir + "-restored.img";
    NewSparseFile(target, size);
    e.restore = Measure([&] {
      auto dev = Check(bb::FileBlockDevice::Open(target, bb::AccessMode::kReadWrite), "open");
      bb::v2::V2RestoreSpec r;
      r.store = store.get();
      r.container = "bench";
      r.backup_id = restore_id;
      r.target = dev.get();
      r.target_is_zeroed = true;
      r.master_key = master;
      r.workers = workers;
      Check(bb::v2::RunV2Restore(r), "v2 restore");
      if (auto s = dev->Close(); !s.ok()) Die(s.message());
    });
    e.restore_ok = SameContent(target, want);
    fs::remove(target);
    return e;
  };
  Engine v2 = run_v2("v2", false, true);
  Warm(image);
  const Step floor_backup =
      Floor({"zstd", "-1", "-T2", "-q", "-f", image, "-o", scratch + "/floor.zst"});
  const Step floor_restore = Floor({"cp", image, scratch + "/floor.img"});
  fs::remove(scratch + "/floor.zst");
  fs::remove(scratch + "/floor.img");
  Engine v2e = run_v2("v2e", true, true);
  const std::string load_end = ReadSmallFile("/proc/loadavg");

  const double gib = 1024.0 * 1024 * 1024;
  auto objects_per_gib = [&](const Engine& e) { return e.full_objects / (e.full_stored / gib); };
  std::printf("bb_v2_pipeline_bench: image %s (%lld B), scratch %s, v2 zstd %d, v1 zstd %d\n",
              image.c_str(), static_cast<long long>(size), scratch.c_str(), level, v1_level);
  std::printf("load average: start %.*s, end %.*s\n", 14, load_start.c_str(), 14, load_end.c_str());
  std::printf(
      "wall includes the store's fsyncs (backup) and the target's fsync (restore);\n"
      "(s, CPU s of this process, peak RSS of this process)\n\n");
  std::printf(
      "| figure | v1 (4 MiB chunks) | v2 | v2 encrypted | floor |\n|---|---|---|---|---|\n");
  std::printf("| full backup | %s | %s | %s | zstd -1 -T2 + sync: %.1f MB/s (%.2f s) |\n",
              Row("", mb, v1.full).c_str(), Row("", mb, v2.full).c_str(),
              Row("", mb, v2e.full).c_str(), mb / floor_backup.wall, floor_backup.wall);
  std::printf(
      "| restore of the incremental | %s %s | %s %s | "
      "%s %s | cp + sync: %.1f MB/s (%.2f s) |\n",
      Row("", mb, v1.restore).c_str(), v1.restore_ok ? "OK" : "MISMATCH",
      Row("", mb, v2.restore).c_str(), v2.restore_ok ? "OK" : "MISMATCH",
      Row("", mb, v2e.restore).c_str(), v2e.restore_ok ? "OK" : "MISMATCH", mb / floor_restore.wall,
      floor_restore.wall);
  std::printf("| incremental, 1%% scattered, re-read | %s | %s | %s | |\n",
              Row("", mb, v1.incr).c_str(), Row("", mb, v2.incr).c_str(),
              Row("", mb, v2e.incr).c_str());
  std::printf("| incremental stored MB | %.1f | %.1f | %.1f | |\n", v1.incr_stored / 1e6,
              v2.incr_stored / 1e6, v2e.incr_stored / 1e6);
  std::printf(
      "| full: stored MB, objects, objects per GiB stored | %.1f, %lld, %.0f | %.1f, "
      "%lld, %.0f | %.1f, %lld, %.0f | |\n",
      v1.full_stored / 1e6, static_cast<long long>(v1.full_objects), objects_per_gib(v1),
      v2.full_stored / 1e6, static_cast<long long>(v2.full_objects), objects_per_gib(v2),
      v2e.full_stored / 1e6, static_cast<long long>(v2e.full_objects), objects_per_gib(v2e));
  std::printf(
      "| encryption on vs off: full, incremental, restore (wall; CPU) | | | %+.1f%%, %+.1f%%, "
      "%+.1f%% (CPU %+.1f%%, %+.1f%%, %+.1f%%) | |\n",
      (v2e.full.wall / v2.full.wall - 1) * 100, (v2e.incr.wall / v2.incr.wall - 1) * 100,
      (v2e.restore.wall / v2.restore.wall - 1) * 100, (v2e.full.cpu / v2.full.cpu - 1) * 100,
      (v2e.incr.cpu / v2.incr.cpu - 1) * 100, (v2e.restore.cpu / v2.restore.cpu - 1) * 100);
  return (only_v2 || v1.restore_ok) && v2.restore_ok && v2e.restore_ok ? 0 : 1;
}
