// CollectPacks: mark, fence and plan, repack, sweep (pack_collector.h).
#include "backup_service/datapath/pipeline_v2/pack_collector.h"

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "backup_service/common/failpoint.h"
#include "backup_service/common/log.h"
#include "backup_service/datapath/index_object.h"
#include "backup_service/datapath/pipeline_v2/condemned_list.h"
#include "backup_service/datapath/pipeline_v2/pack_marker.h"
#include "backup_service/datapath/pipeline_v2/pack_repacker.h"
#include "backup_service/datapath/pipeline_v2/v2_container.h"

namespace bb::v2 {
namespace {

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The pack hash of "packs/<h[0:2]>/<h>"; nullopt for anything else (foreign objects are kept).
std::optional<BlobId> PackHashOf(const std::string& name) {
  auto slash = name.rfind('/');
  if (slash == std::string::npos) return std::nullopt;
  auto id = ParseBlobIdHex(std::string_view(name).substr(slash + 1));
  if (!id || PackObjectNameOf(*id) != name) return std::nullopt;
  return id;
}

// What the fence decided (step 2), carried out by steps 3 and 4.
struct Plan {
  std::vector<BlobId> remove;                  // dead or orphaned
  std::vector<const IndexedPack*> repack;      // in listing order
  PackSet keep;                                // present, indexed, live, not repacked
  std::vector<std::string> superseded;         // index objects to replace
  std::vector<const IndexedPack*> carry_over;  // kept packs those name, once each
  IdSet copy;                                  // blobs to copy out of `repack`
  std::vector<std::string> old_condemned;      // lists of earlier (crashed) runs
  bool Empty() const {
    return remove.empty() && repack.empty() && superseded.empty() && old_condemned.empty();
  }
};

class Collector {
 public:
  Collector(ObjectStore& store, const std::string& container, const V2Container& c,
            const PackCollectOptions& options)
      : store_(store),
        container_(container),
        c_(c),
        options_(options),
        codec_(c.keys),
        marker_(store, container, codec_) {}

  // Step 1 (and, with `in_fence`, the manifests written since).
  Status MarkAll(bool in_fence, PackCollectResult& out) {
    RETURN_IF_ERROR(marker_.LoadIndexes());
    ASSIGN_OR_RETURN(std::vector<std::string> names, store_.List(container_, "manifests/"));
    for (const std::string& name : names) {
      if (!EndsWith(name, ".bbm") || marker_.marked().count(name) > 0) continue;
      Status s = marker_.Mark(name);
      if (!s.ok()) return s.WithContext("pack collection stopped, nothing deleted");
      ++out.manifests;
      if (in_fence) ++out.manifests_in_fence;
    }
    return Status::Ok();
  }

  // Step 2, holding the fence: the last marks, the plan, and the condemned list.
  Status Fence(PackCollectResult& out) {
    RETURN_IF_ERROR(MarkAll(/*in_fence=*/true, out));
    ASSIGN_OR_RETURN(CondemnedPacks old, LoadCondemnedPacks(store_, container_, codec_));
    plan_.old_condemned = old.names;
    ASSIGN_OR_RETURN(std::vector<std::string> listed, store_.List(container_, "packs/"));
    MakePlan(listed, out);
    if (plan_.remove.empty() && plan_.repack.empty()) return Status::Ok();
    std::vector<BlobId> condemned = plan_.remove;
    for (const IndexedPack* p : plan_.repack) condemned.push_back(p->pack_hash);
    ASSIGN_OR_RETURN(std::string sealed,
                     codec_.SealObject(EncodeCondemnedList(condemned), kCondemnedAad));
    list_name_ = NewCondemnedListName();
    return store_.Put(container_, list_name_, sealed).WithContext("put " + list_name_);
  }

  // Steps 3 and 4.
  Status RepackAndSweep(PackCollectResult& out) {
    if (plan_.Empty()) return Status::Ok();
    BB_FAILPOINT("gc.after_fence");
    RepackResult copied;
    if (!plan_.repack.empty()) {
      ASSIGN_OR_RETURN(copied, RepackBlobs(store_, container_, codec_, c_.key_generation,
                                           c_.config.pack_target, plan_.repack, plan_.copy));
    }
    out.blobs_copied = copied.blobs_copied;
    out.repack_packs_written = static_cast<int64_t>(copied.packs.size());
    out.repack_bytes_written = copied.bytes_written;
    PackSet fresh;
    for (const IndexedPack& p : copied.packs) fresh.insert(p.pack_hash);

    // The index naming the new packs and what the superseded ones still name, before any delete.
    std::vector<IndexedPack> index = copied.packs;
    for (const IndexedPack* p : plan_.carry_over) index.push_back(*p);
    std::string written;
    if (!index.empty() && (!plan_.superseded.empty() || !copied.packs.empty())) {
      ASSIGN_OR_RETURN(std::string sealed, codec_.SealObject(EncodeIndexObject(index), kIndexAad));
      written = IndexObjectName(sealed);
      RETURN_IF_ERROR(store_.Put(container_, written, sealed).WithContext("put " + written));
      ++out.index_objects_rewritten;
    }
    BB_FAILPOINT("gc.after_new_index");
    for (const std::string& name : plan_.superseded) {
      // Unencrypted indexes are named by their bytes: a run that repeats a crashed run's work
      // writes the very index object it supersedes. That one stays.
      if (name == written) continue;
      RETURN_IF_ERROR(store_.Delete(container_, name).WithContext("delete " + name));
      ++out.index_objects_deleted;
    }
    // Step 4: no index names these any more.
    auto remove = [&](const BlobId& pack) -> Status {
      if (fresh.count(pack) > 0) return Status::Ok();  // rewritten to identical bytes: keep
      const std::string name = PackObjectNameOf(pack);
      return store_.Delete(container_, name).WithContext("delete " + name);
    };
    for (const BlobId& pack : plan_.remove) RETURN_IF_ERROR(remove(pack));
    for (const IndexedPack* p : plan_.repack) RETURN_IF_ERROR(remove(p->pack_hash));
    BB_FAILPOINT("gc.before_condemned_removed");
    std::vector<std::string> lists = plan_.old_condemned;
    if (!list_name_.empty()) lists.push_back(list_name_);
    for (const std::string& name : lists) {
      RETURN_IF_ERROR(store_.Delete(container_, name).WithContext("delete " + name));
      ++out.condemned_lists_deleted;
    }
    return Status::Ok();
  }

 private:
  // A live blob stored more than once (backups that ran at once, a backup that stored again
  // what a collector had condemned, a crashed run's copies) is counted in one pack only, its
  // owner: the present pack with the most blobs (then the lowest hash). A pack whose live blobs
  // are all owned elsewhere is dead: its copies go, and a restore that picked one reloads.
  std::optional<BlobId> OwnerOf(const BlobId& id, const PackSet& present) const {
    std::optional<BlobId> best;
    size_t best_count = 0;
    for (const BlobId& pack : marker_.Copies(id)) {
      if (present.count(pack) == 0) continue;
      const size_t n = marker_.packs().at(pack)->entries.size();
      if (!best || n > best_count || (n == best_count && pack < *best)) {
        best = pack;
        best_count = n;
      }
    }
    return best;
  }

  void MakePlan(const std::vector<std::string>& listed, PackCollectResult& out) {
    const auto& packs = marker_.packs();
    const int64_t small = std::min<int64_t>(options_.repack_below_bytes, c_.config.pack_target / 4);
    PackSet present;
    for (const std::string& name : listed) {
      if (std::optional<BlobId> hash = PackHashOf(name); hash && packs.count(*hash) > 0) {
        present.insert(*hash);
      }
    }
    std::vector<std::pair<const IndexedPack*, bool>> candidates;  // pack, has dead blobs
    for (const std::string& name : listed) {
      std::optional<BlobId> hash = PackHashOf(name);
      if (!hash) continue;
      ++out.packs_before;
      auto it = packs.find(*hash);
      if (it == packs.end()) {  // a killed job's: no index, no size known
        plan_.remove.push_back(*hash);
        ++out.packs_deleted;
        continue;
      }
      const int64_t size = PackBytes(*it->second);
      out.bytes_before += size;
      int64_t live = 0, blobs = 0;
      for (const PackEntry& e : it->second->entries) {
        blobs += BlobBytes(e);
        if (marker_.IsLive(e.id) && OwnerOf(e.id, present) == *hash) live += BlobBytes(e);
      }
      if (live == 0) {
        plan_.remove.push_back(*hash);
        ++out.packs_deleted;
        out.dead_bytes_freed += size;
        continue;
      }
      if (options_.repack &&
          (live < options_.repack_below_live_fraction * static_cast<double>(size) ||
           size < small)) {
        candidates.emplace_back(it->second, live < blobs);
      } else {
        plan_.keep.insert(*hash);
      }
    }
    // One fully live pack alone would be rewritten as itself: nothing to gain.
    if (candidates.size() == 1 && !candidates[0].second) {
      plan_.keep.insert(candidates[0].first->pack_hash);
      candidates.clear();
    }
    for (const auto& [p, dead] : candidates) {
      plan_.repack.push_back(p);
      ++out.packs_repacked;
      out.repacked_bytes += PackBytes(*p);
    }
    for (const IndexedPack* p : plan_.repack) {
      for (const PackEntry& e : p->entries) {
        if (!marker_.IsLive(e.id)) continue;
        std::vector<BlobId> copies = marker_.Copies(e.id);
        bool kept = std::any_of(copies.begin(), copies.end(),
                                [&](const BlobId& c) { return plan_.keep.count(c) > 0; });
        if (!kept) plan_.copy.insert(e.id);
      }
    }
    out.live_packs = static_cast<int64_t>(plan_.keep.size());
    PlanIndexes();
  }

  // Index objects naming a condemned pack, or a pack another index object names too (a crash
  // between writing a new index and deleting the old ones), are replaced by one.
  void PlanIndexes() {
    PackSet condemned(plan_.remove.begin(), plan_.remove.end());
    for (const IndexedPack* p : plan_.repack) condemned.insert(p->pack_hash);
    std::map<BlobId, int> named;
    for (const auto& [name, packs] : marker_.indexes()) {
      for (const IndexedPack& p : packs) ++named[p.pack_hash];
    }
    PackSet carried;
    for (const auto& [name, packs] : marker_.indexes()) {
      bool replace = std::any_of(packs.begin(), packs.end(), [&](const IndexedPack& p) {
        return condemned.count(p.pack_hash) > 0 || named[p.pack_hash] > 1;
      });
      if (!replace) continue;
      plan_.superseded.push_back(name);
      for (const IndexedPack& p : packs) {
        if (condemned.count(p.pack_hash) == 0 && carried.insert(p.pack_hash).second) {
          plan_.carry_over.push_back(&p);
        }
      }
    }
  }

  ObjectStore& store_;
  const std::string& container_;
  const V2Container& c_;
  const PackCollectOptions& options_;
  const BlobCodec codec_;
  PackMarker marker_;
  Plan plan_;
  std::string list_name_;
};

}  // namespace

Result<PackCollectResult> CollectPacks(ObjectStore& store, const std::string& container,
                                       const std::optional<Key256>& master,
                                       const PackCollectOptions& options) {
  PackCollectResult out;
  auto c = OpenForRead(store, container, master);
  if (!c.ok()) {
    if (c.status().code() == StatusCode::kNotFound) return out;  // no v2 data in it
    return c.status();
  }
  Collector collector(store, container, *c, options);
  RETURN_IF_ERROR(collector.MarkAll(/*in_fence=*/false, out));
  auto fenced = [&] { return collector.Fence(out); };
  RETURN_IF_ERROR(options.fence ? options.fence(fenced) : fenced());
  RETURN_IF_ERROR(collector.RepackAndSweep(out));
  out.repack_bytes_freed = out.repacked_bytes - out.repack_bytes_written;
  out.bytes_freed = out.dead_bytes_freed + out.repack_bytes_freed;
  out.packs_after =
      out.packs_before - out.packs_deleted - out.packs_repacked + out.repack_packs_written;
  out.bytes_after = out.bytes_before - out.bytes_freed;
  BB_LOG(kInfo) << "container " << container << ": " << DescribeCollection(out);
  return out;
}

std::string DescribeCollection(const PackCollectResult& r) {
  return std::to_string(r.manifests) + " v2 manifests (" + std::to_string(r.manifests_in_fence) +
         " marked in the fence); packs " + std::to_string(r.packs_before) + " -> " +
         std::to_string(r.packs_after) + ", bytes " + std::to_string(r.bytes_before) + " -> " +
         std::to_string(r.bytes_after) + "; deleted " + std::to_string(r.packs_deleted) +
         " dead packs (" + std::to_string(r.dead_bytes_freed) + " bytes), repacked " +
         std::to_string(r.packs_repacked) + " packs (" + std::to_string(r.repacked_bytes) +
         " bytes) into " + std::to_string(r.repack_packs_written) + " (" +
         std::to_string(r.repack_bytes_written) + " bytes, " + std::to_string(r.blobs_copied) +
         " blobs): " + std::to_string(r.repack_bytes_freed) + " bytes freed by repacking; " +
         std::to_string(r.index_objects_rewritten) + " index objects written, " +
         std::to_string(r.index_objects_deleted) + " superseded";
}

}  // namespace bb::v2
