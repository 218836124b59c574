// The harness side of the channel: records that a lesson's harness writes to
// file descriptor 3, where the runner reads them. The learner's own printing
// goes to stdout and stderr, so it can never corrupt these records.
//
// One record per line, fields separated by single spaces:
//   case ID                 the records that follow belong to case ID
//   step N                  values that follow belong to training step N; a
//                           negative N contains values from outside training
//   value NAME NUMBER       NUMBER printed with 17 significant digits
//   missing STAGE FUNCTION  STAGE threw NotImplemented from FUNCTION
//   exception STAGE TEXT    STAGE threw; TEXT is what() with newlines escaped
//   invalid STAGE TEXT      STAGE returned something the harness cannot use
//   probe                   the records that follow come from calling every
//                           stage once on placeholder inputs, to list all
//                           missing functions; only their missing records count
//   end                     the harness finished every case
//
// Included only by harness sources, never by exercises.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <string>
#include <string_view>

namespace gradlings::channel {

inline constexpr int kFd = 3;

// The records not yet written to the channel.
inline std::string& buffer() {
  static std::string pending;
  return pending;
}

// Writes the buffered records to the channel. Harnesses call it after each
// stage, so the records before a crash still reach the runner.
inline void flush() {
  std::string& pending = buffer();
  std::size_t written = 0;
  while (written < pending.size()) {
    ssize_t n = ::write(kFd, pending.data() + written, pending.size() - written);
    if (n <= 0) {
      break;
    }
    written += static_cast<std::size_t>(n);
  }
  pending.clear();
}

// Replaces line breaks and backslashes so that TEXT stays on one line.
inline std::string escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\\') {
      out += "\\\\";
    } else {
      out += c;
    }
  }
  return out;
}

inline void record(std::string_view kind, std::string_view rest = {}) {
  std::string& pending = buffer();
  pending += kind;
  if (!rest.empty()) {
    pending += ' ';
    pending += escape(rest);
  }
  pending += '\n';
}

inline void value(std::string_view name, double number) {
  char text[64];
  std::snprintf(text, sizeof text, "%.17g", number);
  record("value", std::string(name) + " " + text);
}

}  // namespace gradlings::channel
