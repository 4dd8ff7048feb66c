// Progress rendering for backupctl (see the header for the three styles).
#include "cmd/backupctl/progress_renderer.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "cmd/backupctl/json_output.h"

namespace bb::cli {
namespace {

constexpr int64_t kMiB = int64_t{1} << 20;
constexpr int64_t kGiB = int64_t{1} << 30;

// One decimal: "120.3".
std::string Fixed1(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", v);
  return buf;
}

bool IsEnd(const v1::Progress& p) { return p.phase() == "done" || p.phase() == "error"; }

// "copy 45% 460/1024 MiB 120.3 MB/s" (the parts that are known), or "error: reason".
std::string Details(const v1::Progress& p, bool with_eta) {
  std::string text = p.phase();
  if (p.phase() == "queued" && p.queue_position() > 0) {
    text += " (position " + std::to_string(p.queue_position()) + ")";
  }
  if (p.phase() == "error") {
    if (!p.fail_reason().empty()) text += ": " + p.fail_reason();
    return text;
  }
  if (p.bytes_total() > 0) {
    text += " " + FormatPercent(p.bytes_done(), p.bytes_total()) + " " +
            FormatBytes(p.bytes_done(), p.bytes_total());
  }
  if (p.mb_per_s() > 0) text += " " + Fixed1(p.mb_per_s()) + " MB/s";
  if (with_eta && p.phase() == "copy") {
    std::string eta = FormatEta(p.bytes_done(), p.bytes_total(), p.mb_per_s());
    if (!eta.empty()) text += " " + eta;
  }
  if (IsEnd(p)) text += " (" + p.status() + ")";
  return text;
}

}  // namespace

std::string FormatBytes(int64_t done, int64_t total) {
  if (total >= 10 * kGiB) {
    return Fixed1(static_cast<double>(done) / kGiB) + "/" +
           Fixed1(static_cast<double>(total) / kGiB) + " GiB";
  }
  return std::to_string(done / kMiB) + "/" + std::to_string(total / kMiB) + " MiB";
}

std::string FormatPercent(int64_t done, int64_t total) {
  if (total <= 0) return "";
  int64_t percent = std::clamp<int64_t>(done * 100 / total, 0, 100);
  return std::to_string(percent) + "%";
}

std::string FormatEta(int64_t done, int64_t total, double mb_per_s) {
  if (mb_per_s <= 0 || total <= 0 || done >= total) return "";
  double seconds = static_cast<double>(total - done) / (mb_per_s * 1e6);
  if (!std::isfinite(seconds) || seconds > 99 * 3600) return "";
  auto s = static_cast<int64_t>(std::ceil(seconds));
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof(buf), "ETA %lldh%02lldm", static_cast<long long>(s / 3600),
                  static_cast<long long>(s % 3600 / 60));
  } else if (s >= 60) {
    std::snprintf(buf, sizeof(buf), "ETA %lldm%02llds", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  } else {
    std::snprintf(buf, sizeof(buf), "ETA %llds", static_cast<long long>(s));
  }
  return buf;
}

std::string PlainLine(const v1::Progress& p) {
  return "backup " + p.backup_id() + " " + p.operation() + ": " + Details(p, false);
}

std::string ProgressRenderer::Bar(const v1::Progress& p) const {
  // "create 3f2a1b7c [#####.....] copy 45% 460/1024 MiB 120.3 MB/s ETA 5s", cut to the width.
  std::string head = p.operation() + " " + p.backup_id().substr(0, 8) + " ";
  std::string tail = " " + Details(p, true);
  int bar_width = std::clamp(width_ - 1 - static_cast<int>(head.size() + tail.size()) - 2, 0, 30);
  std::string bar;
  if (bar_width >= 5) {
    int64_t filled = p.bytes_total() > 0 ? p.bytes_done() * bar_width / p.bytes_total() : 0;
    if (p.phase() == "done") filled = bar_width;
    filled = std::clamp<int64_t>(filled, 0, bar_width);
    bar = "[" + std::string(filled, '#') + std::string(bar_width - filled, '.') + "]";
  }
  std::string line = head + bar + tail;
  size_t max = static_cast<size_t>(std::max(width_ - 1, 10));
  if (line.size() > max) line.resize(max);
  // Pad so a shorter line fully covers the previous one.
  return "\r" + line + std::string(max - line.size(), ' ');
}

std::string ProgressRenderer::Update(const v1::Progress& p, Clock::time_point now) {
  switch (style_) {
    case ProgressStyle::kNone:
      return "";
    case ProgressStyle::kJson: {
      Json line = {{"backup_id", p.backup_id()},
                   {"operation", p.operation()},
                   {"phase", p.phase()},
                   {"queue_position", p.queue_position()},
                   {"bytes_done", p.bytes_done()},
                   {"bytes_total", p.bytes_total()},
                   {"mb_per_s", p.mb_per_s()},
                   {"status", p.status()},
                   {"fail_reason", p.fail_reason()}};
      return line.dump() + "\n";
    }
    case ProgressStyle::kBar:
      bar_drawn_ = true;
      return Bar(p);
    case ProgressStyle::kLines: {
      bool due = !line_written_ || p.phase() != last_phase_ || IsEnd(p) ||
                 now - last_line_at_ >= kLineInterval;
      last_phase_ = p.phase();
      if (!due) return "";
      line_written_ = true;
      last_line_at_ = now;
      return PlainLine(p) + "\n";
    }
  }
  return "";
}

std::string ProgressRenderer::Finish() {
  if (!bar_drawn_) return "";
  bar_drawn_ = false;
  return "\n";
}

ProgressStyle ChooseProgressStyle(bool json, bool quiet) {
  if (quiet) return ProgressStyle::kNone;
  if (json) return ProgressStyle::kJson;
  return isatty(STDERR_FILENO) ? ProgressStyle::kBar : ProgressStyle::kLines;
}

int StderrWidth() {
  winsize ws{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

}  // namespace bb::cli
