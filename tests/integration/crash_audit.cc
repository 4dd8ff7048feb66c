// CrashAudit (see the header): the checks, each reporting what it found in words a failure
// message can show as is.
#include "tests/integration/crash_audit.h"

#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "backup_service/common/command_runner.h"
#include "backup_service/datapath/chunk_store.h"
#include "backup_service/datapath/index_object.h"
#include "backup_service/datapath/manifest.h"
#include "backup_service/datapath/manifest_v2.h"
#include "backup_service/object_stores/posix_store.h"

namespace bb::it {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

// Rows of `sql` as problems, each prefixed with `what`.
void ExpectNoRows(const AuditScope& s, const std::string& what, const std::string& sql,
                  std::vector<std::string>& problems) {
  for (const auto& row : QueryRows(s.conninfo, sql)) problems.push_back(what + ": " + row);
}

void AuditDatabase(const AuditScope& s, std::vector<std::string>& problems) {
  const std::string p = "'" + s.project + "'";
  ExpectNoRows(s, "volume in a transitional status",
               "SELECT id || ' ' || status FROM volumes WHERE project_id = " + p +
                   " AND status IN ('creating', 'attaching', 'detaching', 'backing-up',"
                   " 'restoring-backup', 'deleting')",
               problems);
  ExpectNoRows(s, "snapshot in a transitional status",
               "SELECT id || ' ' || status FROM snapshots WHERE project_id = " + p +
                   " AND status IN ('creating', 'backing-up', 'deleting')",
               problems);
  ExpectNoRows(s, "backup in a transitional status",
               "SELECT id || ' ' || status FROM backups WHERE project_id = " + p +
                   " AND status IN ('creating', 'restoring', 'deleting')",
               problems);
  ExpectNoRows(s, "backup still records a temporary",
               "SELECT id || ' ' || status || ' temp_snapshot=' ||"
               " coalesce(temp_snapshot_id::text, '') || ' temp_volume=' ||"
               " coalesce(temp_volume_id::text, '') FROM backups WHERE project_id = " +
                   p + " AND (temp_snapshot_id IS NOT NULL OR temp_volume_id IS NOT NULL)",
               problems);
  // The one temporary snapshot that may stay is a volume's incremental base (changed-extent
  // incrementals, on by default): available, recorded as holding an available (or restoring)
  // backup of that same volume. Anything else temporary is a leak: a base whose backup failed or
  // is gone, a superseded one, a base of another volume's backup, a plain temporary.
  ExpectNoRows(s, "temporary snapshot row left",
               "SELECT s.id || ' ' || s.status || ' base_of=' ||"
               " coalesce(s.incremental_base_of::text, '') FROM snapshots s WHERE s.project_id = " +
                   p + " AND s.is_temporary AND NOT " + std::string(kLiveIncrementalBase),
               problems);
  ExpectNoRows(
      s, "temporary clone row left",
      "SELECT id || ' ' || status FROM volumes WHERE project_id = " + p + " AND is_temporary",
      problems);
  ExpectNoRows(s, "attachment in a transitional status",
               "SELECT a.id || ' ' || a.status FROM volume_attachments a JOIN volumes v ON"
               " v.id = a.volume_id WHERE v.project_id = " +
                   p + " AND a.status <> 'attached'",
               problems);
}

void AuditVolumeFiles(const AuditScope& s, std::vector<std::string>& problems) {
  const std::string p = "'" + s.project + "'";
  // A row in error may have its file or not (a failed create removes what it made; a failed
  // delete may not have got to it): either is fine, a file without a row is not.
  std::set<std::string> expected;
  std::set<std::string> optional;
  const std::string rows =
      "SELECT 'volume-' || id || '|' || status FROM volumes WHERE project_id = " + p +
      " UNION ALL SELECT 'snapshot-' || id || '|' || status FROM snapshots WHERE project_id = " + p;
  for (const auto& row : QueryRows(s.conninfo, rows)) {
    auto bar = row.find('|');
    (row.substr(bar + 1) == "error" ? optional : expected).insert(row.substr(0, bar));
  }
  std::set<std::string> present;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(s.volumes_dir, ec)) {
    present.insert(e.path().filename());
  }
  if (ec) problems.push_back("cannot list " + s.volumes_dir + ": " + ec.message());
  for (const auto& f : present) {
    if (!expected.count(f) && !optional.count(f)) {
      problems.push_back("leaked file in the volumes dir: " + f);
    }
  }
  for (const auto& f : expected) {
    if (!present.count(f)) problems.push_back("lost: no file for the row " + f);
  }
}

void AuditLoopDevices(const AuditScope& s, std::vector<std::string>& problems) {
  SystemCommandRunner runner;
  auto r = runner.Run({"losetup", "--list", "--noheadings", "--raw", "-O", "NAME,BACK-FILE"});
  if (!r.ok() || r->exit_code != 0) {
    problems.push_back("losetup --list failed: " + (r.ok() ? r->err : r.status().ToString()));
    return;
  }
  std::multiset<std::string> devices;  // "<device> <volume file name>"
  std::string prefix = s.volumes_dir + "/";
  for (const auto& line : Lines(r->out)) {
    auto space = line.find(' ');
    if (space == std::string::npos) continue;
    std::string file = line.substr(space + 1);
    if (file.rfind(prefix, 0) != 0) continue;
    devices.insert(line.substr(0, space) + " " + file.substr(prefix.size()));
  }
  std::multiset<std::string> attached;
  for (const auto& row :
       QueryRows(s.conninfo,
                 "SELECT a.device || ' volume-' || v.id FROM volume_attachments a JOIN volumes v ON"
                 " v.id = a.volume_id WHERE v.project_id = '" +
                     s.project + "' AND a.status = 'attached'")) {
    attached.insert(row);
  }
  for (const auto& d : devices) {
    if (!attached.count(d)) problems.push_back("leaked loop device (no attachment): " + d);
  }
  for (const auto& a : attached) {
    if (!devices.count(a)) problems.push_back("attachment without its loop device: " + a);
  }
}

// Format v2: every pack an index object names is stored (nothing lost), and every stored pack is
// named by an index object (a killed job's packs, which have none, are collected by restart
// cleanup or the next delete: left over afterwards they are a leak). Encrypted containers are not
// audited here (the audit has no master key).
void AuditPacks(PosixStore& store, const std::string& container, bool pending_delete,
                std::vector<std::string>& problems) {
  auto config = store.Get(container, "config");
  if (!config.ok() || config->find("aes-256-gcm") != std::string::npos) return;
  auto packs = store.List(container, "packs/");
  std::set<std::string> stored;
  if (packs.ok()) stored.insert(packs->begin(), packs->end());
  std::set<std::string> indexed;
  auto indexes = store.List(container, "index/");
  for (const auto& name : indexes.ok() ? *indexes : std::vector<std::string>{}) {
    auto bytes = store.Get(container, name);
    auto decoded = bytes.ok() ? DecodeIndexObject(*bytes, name)
                              : Result<std::vector<IndexedPack>>(bytes.status());
    if (!decoded.ok()) {
      problems.push_back("unreadable index object " + name + ": " + decoded.status().ToString());
      continue;
    }
    for (const auto& p : *decoded) indexed.insert(PackObjectNameOf(p.pack_hash));
  }
  int missing = 0, orphans = 0;
  for (const auto& p : indexed) missing += stored.count(p) ? 0 : 1;
  for (const auto& p : stored) orphans += indexed.count(p) ? 0 : 1;
  if (missing > 0) {
    problems.push_back("lost: " + std::to_string(missing) +
                       " packs named by an index object are missing");
  }
  if (orphans > 0 && !pending_delete) {
    problems.push_back("leaked: " + std::to_string(orphans) +
                       " stored packs are named by no index object");
  }
}

void AuditStore(const AuditScope& s, std::vector<std::string>& problems) {
  const std::string container = s.project + "/" + s.container;
  PosixStore store(s.store_dir);
  auto manifests = store.List(container, "manifests/");
  if (!manifests.ok()) {
    // No container: nothing was ever stored. Fine unless a backup needs a manifest.
    manifests = std::vector<std::string>{};
  }
  // Which manifests must, may or must not exist, from the backups' statuses.
  std::map<std::string, std::string> status_of_manifest;
  bool pending_delete = false;
  for (const auto& row : QueryRows(s.conninfo,
                                   "SELECT id || '|' || service || '|' || status FROM backups "
                                   "WHERE project_id = '" +
                                       s.project + "' AND container = '" + s.container + "'")) {
    auto bar = row.find('|');
    auto bar2 = row.find('|', bar + 1);
    std::string id = row.substr(0, bar), status = row.substr(bar2 + 1);
    bool v2 = row.substr(bar + 1, bar2 - bar - 1) == "packed-v2";
    status_of_manifest[v2 ? ManifestV2ObjectName(id) : ManifestObjectName(id)] = status;
    if (status == "error_deleting") pending_delete = true;
  }
  std::set<std::string> present(manifests->begin(), manifests->end());
  for (const auto& [object, status] : status_of_manifest) {
    if (status == "available" && !present.count(object)) {
      problems.push_back("lost: available backup without its manifest " + object);
    }
  }
  std::set<std::string> referenced;
  for (const auto& object : present) {
    auto it = status_of_manifest.find(object);
    std::string status = it == status_of_manifest.end() ? "no backup row" : it->second;
    if (status != "available" && status != "error_deleting") {
      problems.push_back("leaked manifest " + object + " (" + status + ")");
    }
    if (object.ends_with(".bbm")) continue;  // v2: audited through its packs below
    auto m = LoadManifest(store, container, object);
    if (!m.ok()) {
      problems.push_back("unreadable manifest " + object + ": " + m.status().ToString());
      continue;
    }
    for (const auto& c : m->chunks) {
      if (!c.zero) referenced.insert(c.hash);
    }
  }
  auto chunks = store.List(container, "chunks/");
  std::set<std::string> stored;
  if (chunks.ok()) {
    for (const auto& name : *chunks) stored.insert(ChunkIdFromObjectName(name));
  }
  int missing = 0, orphans = 0;
  for (const auto& id : referenced) missing += stored.count(id) ? 0 : 1;
  for (const auto& id : stored) orphans += referenced.count(id) ? 0 : 1;
  if (missing > 0) {
    problems.push_back("lost: " + std::to_string(missing) +
                       " chunks named by a manifest are missing");
  }
  if (orphans > 0 && !pending_delete) {
    problems.push_back("leaked: " + std::to_string(orphans) +
                       " stored chunks are named by no manifest");
  }
  AuditPacks(store, container, pending_delete, problems);
}

}  // namespace

std::vector<std::string> AuditNothingLeaked(const AuditScope& scope) {
  std::vector<std::string> problems;
  AuditDatabase(scope, problems);
  AuditVolumeFiles(scope, problems);
  AuditLoopDevices(scope, problems);
  AuditStore(scope, problems);
  return problems;
}

}  // namespace bb::it
