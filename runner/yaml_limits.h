// Limits that a YAML text must meet before and after yaml-cpp parses it, so
// that a binary file or an alias bomb gets a clear message instead of
// garbage in a message, a hang or an exhausted memory.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gradlings::runner {

/// The largest file, in bytes, that YamlDoc::load reads. A lesson file
/// needs a few kilobytes.
inline constexpr std::uintmax_t kMaxYamlBytes = 1 << 20;

/// The maximum number of nodes in a document when every alias counts as a
/// full copy of its anchor. It is twice the bytes of the largest file, so
/// only aliases can pass it: without them, every node but a key's null value
/// takes at least one byte.
inline constexpr std::size_t kMaxYamlNodes = 2 * kMaxYamlBytes;

/// The deepest nesting of lists and maps that the expansion walk follows.
/// yaml-cpp 0.7 stops at a depth of 500 while parsing, so only an alias
/// inside the list or map it names goes deeper.
inline constexpr int kMaxYamlDepth = 1'000;

/// A place in the text and what is wrong there.
struct YamlProblem {
  YAML::Mark mark;      // line and column from 0, the column counted in bytes
  std::string message;  // lowercase, without the location
};

/// Returns the first NUL byte or invalid UTF-8 sequence in `text` (an
/// overlong form, a surrogate, a code point above U+10FFFF, a stray or
/// missing continuation byte), or nothing when the text is valid UTF-8.
std::optional<YamlProblem> find_encoding_problem(std::string_view text);

/// Returns a problem when `root`, with every alias expanded, contains more than
/// kMaxYamlNodes nodes or nests deeper than kMaxYamlDepth, or nothing. The
/// walk stops at the limit, so it takes little time even on a billion laughs.
std::optional<YamlProblem> find_expansion_problem(const YAML::Node& root);

}  // namespace gradlings::runner
