// File helpers shared by the file and fake drivers: sparse create/grow, reflink or full copies that
// appear at their final name only when complete (temp name + fsync + rename), idempotent removal,
// and the reflink (FICLONE) probe.
// Thread-safety: stateless; concurrent calls on different paths are safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "backup_service/common/result.h"

namespace bb::file_ops {

// Temp files are named "<kTempPrefix><final name>-<random>" in the destination directory, so a
// crash leaves them recognisable and RemoveTempFiles can clean them up at the next start.
inline constexpr std::string_view kTempPrefix = ".tmp-";

// Creates `path`, which must not exist (AlreadyExists), as a sparse file of `size` bytes (> 0).
Status CreateSparseFile(const std::string& path, int64_t size);
// Grows `path` to `size` bytes; OK when already that size, InvalidArgument when it would shrink.
Status GrowFile(const std::string& path, int64_t size);
// Size of the file at `path`; NotFound when it does not exist.
Result<int64_t> FileSize(const std::string& path);

enum class CopyMode {
  kReflink,  // FICLONE: O(1), shares extents, point-in-time for everything written to the source
  kFull,     // byte copy (holes preserved): NOT point-in-time if the source is written meanwhile
};

// Copies `src` to `dst` (same directory as the temp file), grows the copy to `min_size` when that
// is larger, tags it with `owner` (see OwnerOf; none when empty) before it gets its name, fsyncs
// it, then renames it to `dst` without replacing (AlreadyExists when `dst` exists). On failure no
// file is left at `dst` and the temp file is removed.
Status CopyFileAtomically(const std::string& src, const std::string& dst, CopyMode mode,
                          int64_t min_size = 0, const std::string& owner = "");

// The owner tag of a file (the extended attribute user.blockbackup.owner: a snapshot file names
// its volume, so that the volume's deletion can be refused while snapshots of it exist). Empty
// when the file has none.
Result<std::string> OwnerOf(const std::string& path);
// Names of the files in `dir` starting with `prefix` whose owner tag is `owner`.
Result<std::vector<std::string>> FilesOwnedBy(const std::string& dir, std::string_view prefix,
                                              const std::string& owner);

// Unlinks `path`; OK when it does not exist.
Status RemoveIfExists(const std::string& path);
// Removes leftover temp files (see kTempPrefix) in `dir`; returns how many were removed.
Result<int> RemoveTempFiles(const std::string& dir);
// fsync(2) on a directory, so that a rename or unlink in it survives a crash.
Status FsyncDir(const std::string& dir);

// True when FICLONE works between two files in `dir` (probe files are removed again). An error
// Status only when `dir` itself is unusable (missing, not writable).
Result<bool> ProbeReflink(const std::string& dir);

}  // namespace bb::file_ops
