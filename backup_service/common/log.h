// Minimal structured logger: one line per event on stderr, "2026-11-21T15:04:05.123Z INFO msg".
// Thread-safe (a line is written with one write(2)). Never pass secrets: callers redact first
// (see RedactSecrets in command_runner.h).
#pragma once

#include <sstream>
#include <string>

namespace bb {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

void SetLogLevel(LogLevel level);
void LogLine(LogLevel level, const std::string& message);

// Usage: BB_LOG(kInfo) << "backup " << id << " started";
class LogStream {
 public:
  explicit LogStream(LogLevel level) : level_(level) {}
  ~LogStream() { LogLine(level_, os_.str()); }
  template <typename T>
  LogStream& operator<<(const T& v) {
    os_ << v;
    return *this;
  }

 private:
  LogLevel level_;
  std::ostringstream os_;
};

}  // namespace bb

#define BB_LOG(level) ::bb::LogStream(::bb::LogLevel::level)
