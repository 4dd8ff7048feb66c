// ProgressRenderer: what `backupctl ... --wait` and `backup watch` write on stderr for each
// Progress message of a watch. Pure: it returns text, and time and terminal width are given, so
// tests drive it with a fake clock.
//   kBar   (stderr is a terminal) one line redrawn with \r: operation, phase, bar, percent,
//          done/total, MB/s, ETA; Finish() ends it with a newline.
//   kLines (not a terminal) plain lines: at most one every 2 s, plus every phase change and the
//          last message, e.g. "backup 3f2a... create: copy 45% 460/1024 MiB 120.3 MB/s".
//   kJson  (--json) one JSON object per message:
//          {"backup_id","operation","phase","bytes_done","bytes_total","mb_per_s","status",
//           "fail_reason"}.
//   kNone  (--quiet) nothing.
// Thread-safety: single-threaded.
#pragma once

#include <chrono>
#include <string>

#include "backup.pb.h"

namespace bb::cli {

enum class ProgressStyle { kBar, kLines, kJson, kNone };

class ProgressRenderer {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::seconds kLineInterval{2};

  // width: terminal columns (kBar only).
  ProgressRenderer(ProgressStyle style, int width = 80) : style_(style), width_(width) {}

  // Text to write for `p` received at `now` (empty when nothing is due).
  std::string Update(const v1::Progress& p, Clock::time_point now);
  // Text to write when the watch ends (the bar's newline).
  std::string Finish();

 private:
  std::string Bar(const v1::Progress& p) const;

  ProgressStyle style_;
  int width_;
  bool bar_drawn_ = false;
  bool line_written_ = false;
  std::string last_phase_;
  Clock::time_point last_line_at_;
};

// "460/1024 MiB"; GiB with one decimal when the total is 10 GiB or more.
std::string FormatBytes(int64_t done, int64_t total);
// "45%" ("" when the total is unknown).
std::string FormatPercent(int64_t done, int64_t total);
// "ETA 1m05s" from the remaining bytes at `mb_per_s` ("" when it cannot be known).
std::string FormatEta(int64_t done, int64_t total, double mb_per_s);
// The plain line without newline: "backup ID OPERATION: PHASE 45% 460/1024 MiB 120.3 MB/s".
std::string PlainLine(const v1::Progress& p);

// The style for this process: --quiet, --json, else whether stderr is a terminal.
ProgressStyle ChooseProgressStyle(bool json, bool quiet);
// Columns of the terminal on stderr (80 when unknown).
int StderrWidth();

}  // namespace bb::cli
