// Small positional I/O helpers for tests on files and block devices. Test-only.
// Thread-safety: stateless.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "backup_service/common/result.h"

namespace bb::testing {

// pwrite of all of `data` at `off` (no O_DIRECT: goes through the page cache).
Status WriteAt(const std::string& path, int64_t off, const std::string& data);
// Up to `len` bytes at `off`.
Result<std::string> ReadAt(const std::string& path, int64_t off, size_t len);
// Size of a regular file or of a block device (BLKGETSIZE64).
Result<int64_t> SizeOf(const std::string& path);

}  // namespace bb::testing
