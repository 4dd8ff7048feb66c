// RegionWriter: the writer side of odirect_writer. Writes blocks 1, 2, 3, ... sequentially from the
// region's start with O_DIRECT|O_SYNC, each waiting for the previous to be durable, so that any
// instant's image of the region holds a prefix 1..S of the blocks.
#pragma once

#include <cstdint>

#include "tests/tools/region.h"

namespace bb::tools {

// Makes SIGTERM and SIGINT stop a running Write before its next block.
void InstallStopHandlers();

// Writes until stopped by a signal, the region is full (never wraps) or o.max_blocks blocks are
// written. Unless quiet, prints "started run=ID" after block 1 and "written=S (why)" at the end.
// Returns the number of blocks written, or -1 on an I/O error.
int64_t Write(const Options& o, bool quiet);

}  // namespace bb::tools
