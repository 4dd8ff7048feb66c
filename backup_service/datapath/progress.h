// Progress observer and cancellation hook shared by the backup and restore pipelines.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

namespace bb {

// Called from pipeline threads (never concurrently for one job) after each chunk completes.
using ProgressFn = std::function<void(int64_t bytes_done, int64_t bytes_total)>;

// Returns true when the job must stop; checked between chunks. A cancelled job returns
// Status::Cancelled and leaves no manifest behind.
using CancelFn = std::function<bool()>;

}  // namespace bb
