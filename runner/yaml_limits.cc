#include "runner/yaml_limits.h"

#include <fmt/format.h>

namespace gradlings::runner {

namespace {

// Returns the length of the UTF-8 sequence that starts at text[at], or 0
// when it is invalid there.
std::size_t utf8_length(std::string_view text, std::size_t at) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  unsigned char lead = byte(at);
  if (lead < 0x80) {
    return 1;
  }

  // The lead byte gives the length and the range of the second byte, which
  // rules out overlong forms, surrogates and code points above U+10FFFF.
  std::size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    low = lead == 0xe0 ? 0xa0 : 0x80;
    high = lead == 0xed ? 0x9f : 0xbf;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    low = lead == 0xf0 ? 0x90 : 0x80;
    high = lead == 0xf4 ? 0x8f : 0xbf;
  } else {
    return 0;
  }

  if (at + length > text.size() || byte(at + 1) < low || byte(at + 1) > high) {
    return 0;
  }
  for (std::size_t i = at + 2; i < at + length; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xbf) {
      return 0;
    }
  }
  return length;
}

enum class Walk { within_limits, too_many_nodes, too_deep };

// Counts `node` and every node under it into `count`, following aliases
// each time they occur. Stops at the first limit it passes.
Walk walk(const YAML::Node& node, std::size_t& count, int depth) {
  if (++count > kMaxYamlNodes) {
    return Walk::too_many_nodes;
  }
  if (depth > kMaxYamlDepth) {
    return Walk::too_deep;
  }
  Walk result = Walk::within_limits;
  if (node.IsSequence()) {
    for (auto it = node.begin(); it != node.end() && result == Walk::within_limits; ++it) {
      result = walk(*it, count, depth + 1);
    }
  } else if (node.IsMap()) {
    for (auto it = node.begin(); it != node.end() && result == Walk::within_limits; ++it) {
      result = walk(it->first, count, depth + 1);
      if (result == Walk::within_limits) {
        result = walk(it->second, count, depth + 1);
      }
    }
  }
  return result;
}

std::optional<YamlProblem> expansion_problem(Walk result, const YAML::Mark& mark,
                                             const std::string& what) {
  if (result == Walk::too_many_nodes) {
    return YamlProblem{
        mark, fmt::format("aliases ('*name') expand the file to more than {} values by {}, "
                          "because each repeats a whole list or map (write the values out, or "
                          "repeat fewer aliases)",
                          kMaxYamlNodes, what)};
  }
  if (result == Walk::too_deep) {
    return YamlProblem{
        mark, fmt::format("aliases ('*name') nest the file more than {} levels deep by {}, "
                          "because one refers to a list or map that contains it (remove that "
                          "alias)",
                          kMaxYamlDepth, what)};
  }
  return std::nullopt;
}

}  // namespace

std::optional<YamlProblem> find_encoding_problem(std::string_view text) {
  int line = 0;
  int column = 0;
  for (std::size_t at = 0; at < text.size();) {
    YAML::Mark mark;
    mark.pos = static_cast<int>(at);
    mark.line = line;
    mark.column = column;
    if (text[at] == '\0') {
      return YamlProblem{mark, "the file contains a NUL byte, so it is binary, not text (a lesson "
                               "file must be UTF-8 text)"};
    }
    std::size_t length = utf8_length(text, at);
    if (length == 0) {
      return YamlProblem{mark, fmt::format("byte 0x{:02x} is not valid UTF-8 (save the file as "
                                           "UTF-8 text)",
                                           static_cast<unsigned char>(text[at]))};
    }
    if (text[at] == '\n') {
      ++line;
      column = 0;
    } else {
      column += static_cast<int>(length);
    }
    at += length;
  }
  return std::nullopt;
}

std::optional<YamlProblem> find_expansion_problem(const YAML::Node& root) {
  std::size_t count = 0;
  if (!root.IsMap()) {
    return expansion_problem(walk(root, count, 0), root.Mark(), "the end of the document");
  }

  // Blame the top-level key whose value passes the limit.
  for (const auto& entry : root) {
    Walk result = walk(entry.first, count, 1);
    if (result == Walk::within_limits) {
      result = walk(entry.second, count, 1);
    }
    if (result != Walk::within_limits) {
      return expansion_problem(result, entry.first.Mark(),
                               fmt::format("the key '{}'", entry.first.Scalar()));
    }
  }
  return std::nullopt;
}

}  // namespace gradlings::runner
