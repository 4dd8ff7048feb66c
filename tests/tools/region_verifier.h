// RegionVerifier: the crash-consistency check of odirect_writer. On a point-in-time copy of a
// region, block i (0-based) must be either all-zero or the writer's block with sequence number
// i+1, for its offset, with a valid checksum, all from one run; and the written blocks must be
// exactly 1..S (no written block after a never-written one).
#pragma once

#include <cstdint>

#include "tests/tools/region.h"

namespace bb::tools {

// Returns S (blocks 1..S present, the rest zero), or -1 when the region is inconsistent or cannot
// be read (why goes to stderr). Unless quiet, prints a summary to stderr and S to stdout.
int64_t Verify(const Options& o, bool quiet);

}  // namespace bb::tools
