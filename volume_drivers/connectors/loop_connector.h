// LoopConnector: attaches a "local_file" volume (info.data["path"]) as a loop block device.
//
// Connect:    losetup --find --show --direct-io=on <path>  -> /dev/loopN. Direct I/O keeps the
//             file's data out of a second page cache (device cache + backing-file cache); when the
//             kernel or filesystem refuses it the device is attached without it and a warning is
//             logged.
// Flush:      fsync(2) on the device. That writes back the device's page cache and sends a flush,
//             which the loop driver turns into an fsync of the backing file: every write
//             acknowledged before Flush is then in the file, so a reflink snapshot taken afterwards
//             is crash-consistent.
// Disconnect: only when /sys/block/loopN/loop/backing_file is still our file (the device number may
//             have been reused by someone else after a restart): Flush, then losetup --detach.
//             Idempotent: a device that is gone or backs another file is left alone and is OK.
// Devices:    every /sys/block/loop*/loop/backing_file that names the path.
// External commands go through the injected CommandRunner. The argv builders and parsers below are
// pure functions so that tests can check them without root.
// Thread-safety: stateless apart from the runner (which is thread-safe); concurrent calls for
// different volumes are fine.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "volume_drivers/connectors/connector.h"

namespace bb {

class LoopConnector : public Connector {
 public:
  static constexpr const char* kType = "local_file";

  // `sysfs_root` is "/sys" except in tests.
  explicit LoopConnector(CommandRunner& runner, std::string sysfs_root = "/sys");

  Result<std::string> Connect(const ConnectionInfo& info) override;
  Status Disconnect(const ConnectionInfo& info, const std::string& device) override;
  Status Flush(const std::string& device) override;
  Result<std::vector<std::string>> Devices(const ConnectionInfo& info) override;

 private:
  // NotFound when the device has no backing file (not attached, or no such loop device).
  Result<std::string> ReadBackingFile(const std::string& loop_name) const;

  CommandRunner& runner_;
  const std::string sysfs_root_;
};

namespace loop {

// losetup --find --show [--direct-io=on] <path>
std::vector<std::string> AttachArgv(const std::string& path, bool direct_io);
// losetup --detach <device>
std::vector<std::string> DetachArgv(const std::string& device);
// The device printed by `losetup --find --show`: "/dev/loop3\n" -> "/dev/loop3".
Result<std::string> ParseAttachOutput(std::string_view out);
// "/dev/loop3" -> "loop3"; InvalidArgument for anything that is not /dev/loop<N>.
Result<std::string> LoopName(std::string_view device);
// True when the content of /sys/block/loopN/loop/backing_file names `path` (or its canonical form
// `real_path`). The kernel appends " (deleted)" once the file is unlinked; that still matches.
bool BackingFileMatches(std::string_view sysfs_content, std::string_view path,
                        std::string_view real_path);
// The path from ConnectionInfo; InvalidArgument when missing or not absolute.
Result<std::string> PathFromInfo(const ConnectionInfo& info);

}  // namespace loop
}  // namespace bb
