// Human-readable output.
#include "cmd/backupctl/human_output.h"

#include <algorithm>
#include <ctime>
#include <iostream>

namespace bb::cli {
namespace {

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string FormatUs(int64_t us) {
  if (us <= 0) return "-";
  std::time_t seconds = static_cast<std::time_t>(us / 1000000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string Scalar(const std::string& key, const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer() && EndsWith(key, "_us")) return FormatUs(value.get<int64_t>());
  return value.dump();
}

}  // namespace

void PrintRecord(const Json& record, int indent) {
  std::string pad(indent, ' ');
  size_t width = 0;
  for (const auto& [key, value] : record.items()) width = std::max(width, key.size());
  for (const auto& [key, value] : record.items()) {
    if (value.is_array()) {
      std::cout << pad << key << ":" << (value.empty() ? " -" : "") << "\n";
      for (const auto& element : value) {
        if (element.is_object()) {
          PrintRecord(element, indent + 2);
          std::cout << "\n";
        } else {
          std::cout << pad << "  " << Scalar(key, element) << "\n";
        }
      }
    } else if (value.is_object()) {
      std::cout << pad << key << ":\n";
      PrintRecord(value, indent + 2);
    } else {
      std::cout << pad << key << ":" << std::string(width - key.size() + 1, ' ')
                << Scalar(key, value) << "\n";
    }
  }
}

void PrintTable(const std::vector<std::string>& columns, const Json& records) {
  std::vector<std::vector<std::string>> rows;
  std::vector<size_t> widths;
  std::vector<std::string> header;
  for (const auto& c : columns) {
    std::string h = c;
    std::transform(h.begin(), h.end(), h.begin(), ::toupper);
    header.push_back(h);
    widths.push_back(h.size());
  }
  for (const auto& record : records) {
    std::vector<std::string> row;
    for (size_t i = 0; i < columns.size(); ++i) {
      std::string cell = record.contains(columns[i]) ? Scalar(columns[i], record[columns[i]]) : "";
      widths[i] = std::max(widths[i], cell.size());
      row.push_back(std::move(cell));
    }
    rows.push_back(std::move(row));
  }
  auto print_row = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size(); ++i) {
      std::cout << row[i];
      if (i + 1 < row.size()) std::cout << std::string(widths[i] - row[i].size() + 2, ' ');
    }
    std::cout << "\n";
  };
  print_row(header);
  for (const auto& row : rows) print_row(row);
}

}  // namespace bb::cli
