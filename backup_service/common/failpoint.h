// Failpoints: named places in the create/restore/delete flows where a test can make the daemon
// fail (return an error) or crash (SIGKILL itself), to prove that every step is crash-safe.
//
// Compiled in always. When no failpoint is configured and hits are not recorded, Hit() is one
// relaxed atomic load. Configuration: `name=ACTION[,name=ACTION...]` where ACTION is
//   error        Hit returns Status::Internal("failpoint NAME")
//   kill         the process SIGKILLs itself (no destructor, no cleanup: a crash)
//   delay:MS     Hit sleeps MS milliseconds (to widen a window, e.g. for cancellation tests)
// and each action may be suffixed `@N` to fire on the N-th hit only (1-based; default: every hit).
// backupd takes the spec from the BB_FAILPOINTS environment variable or its `failpoints` config
// key. When BB_FAILPOINT_HITS names a file, every hit of a known failpoint appends its name there
// (one line, O_APPEND), so a test suite can check that every listed failpoint was reached.
// The list of known names is the table in backup_service/model/failpoints.cc.
// Thread-safety: Configure before starting threads; Hit may be called concurrently.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "backup_service/common/result.h"

namespace bb::failpoint {

// Parses and installs `spec` (replacing any earlier configuration). InvalidArgument naming the
// problem for an unknown name or a malformed action; nothing is installed then.
Status Configure(std::string_view spec, const std::vector<std::string>& known_names);
// Starts appending hit names to `path` (empty: stop).
Status RecordHitsTo(const std::string& path);
// Removes every configured failpoint (tests).
void Reset();

// The failpoint `name`: Ok unless configured to fail here (or it kills the process).
Status Hit(std::string_view name);

}  // namespace bb::failpoint

// Returns the failpoint's error from the enclosing function (which returns Status or Result).
#define BB_FAILPOINT(name) RETURN_IF_ERROR(::bb::failpoint::Hit(name))
