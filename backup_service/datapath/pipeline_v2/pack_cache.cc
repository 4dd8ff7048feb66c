// PackCache: LRU of whole packs with single-flight fetches.
#include "backup_service/datapath/pipeline_v2/pack_cache.h"

#include <algorithm>

#include "backup_service/datapath/pack_format.h"
#include "backup_service/datapath/pack_reader.h"

namespace bb::v2 {

PackCache::PackCache(ObjectStore& store, std::string container, size_t capacity, std::string what)
    : store_(store),
      container_(std::move(container)),
      capacity_(std::max<size_t>(1, capacity)),
      what_(std::move(what)) {}

Result<std::shared_ptr<const std::string>> PackCache::Fetch(const std::string& name) {
  auto got = store_.Get(container_, name);
  if (!got.ok()) {
    if (got.status().code() == StatusCode::kNotFound) {
      return Status::NotFound(what_ + ": pack " + name + " named by the index is missing");
    }
    return Status(got.status().code(), what_ + ": " + got.status().message());
  }
  auto trailer = ReadPackTrailer(*got, name);
  if (!trailer.ok()) {
    return Status(trailer.status().code(), what_ + ": " + trailer.status().message());
  }
  return std::make_shared<const std::string>(std::move(got).value());
}

Result<std::shared_ptr<const std::string>> PackCache::Get(const BlobId& pack_hash) {
  std::unique_lock lock(mu_);
  for (;;) {
    auto it = slots_.find(pack_hash);
    if (it == slots_.end()) break;
    if (!it->second.loading) {
      lru_.remove(pack_hash);
      lru_.push_front(pack_hash);
      return it->second.bytes;
    }
    loaded_.wait(lock);  // another worker is fetching it
  }
  slots_[pack_hash].loading = true;
  ++fetches_;
  lock.unlock();
  auto fetched = Fetch(PackObjectNameOf(pack_hash));
  lock.lock();
  if (!fetched.ok()) {
    slots_.erase(pack_hash);
    loaded_.notify_all();
    return fetched.status();
  }
  slots_[pack_hash] = Slot{*fetched, false};
  lru_.push_front(pack_hash);
  while (lru_.size() > capacity_) {
    slots_.erase(lru_.back());
    lru_.pop_back();
  }
  loaded_.notify_all();
  return std::move(fetched).value();
}

int64_t PackCache::fetches() const {
  std::lock_guard lock(mu_);
  return fetches_;
}

}  // namespace bb::v2
