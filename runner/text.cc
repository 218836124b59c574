#include "runner/text.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <utility>

namespace gradlings::runner {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});

  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      std::size_t substitution = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      row[j] = std::min({above + 1, row[j - 1] + 1, substitution});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string closest_match(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(1, (word.size() + 2) / 3) + 1;
  for (const std::string& candidate : candidates) {
    std::size_t distance = edit_distance(word, candidate);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  std::string match = closest_match(word, candidates);
  if (match.empty()) {
    return "";
  }
  return " (did you mean '" + match + "'?)";
}

std::size_t display_width(const std::string& text) {
  std::size_t width = 0;
  for (unsigned char c : text) {
    width += (c & 0xC0) != 0x80;
  }
  return width;
}

std::string to_ascii(std::string text) {
  const std::pair<const char*, const char*> replacements[] = {
      {"×", "*"}, {"−", "-"}, {"²", "^2"}, {"→", "->"}, {"·", "-"}, {"√", "sqrt"},
      {"│", "|"}, {"─", "-"}, {"┼", "+"},  {"└", "+"},  {"═", "="}, {"…", "..."},
      {"█", "#"}, {"▇", "#"}, {"▆", "#"},  {"▅", "="},  {"▄", "="}, {"▃", "-"},
      {"▂", "-"}, {"▁", "_"}, {"•", "*"},  {"✓", "ok"}, {"✗", "XX"},
      {"‘", "'"}, {"’", "'"}};
  for (const auto& [from, to] : replacements) {
    for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
      text.replace(at, std::string_view(from).size(), to);
    }
  }
  return text;
}

std::string ascii_only(std::string text) {
  text = to_ascii(std::move(text));
  const std::pair<const char*, const char*> quotes[] = {
      {"‘", "'"}, {"’", "'"}, {"“", "\""}, {"”", "\""}};
  for (const auto& [from, to] : quotes) {
    for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
      text.replace(at, std::string_view(from).size(), to);
    }
  }

  // A lead byte and its continuation bytes become one '?'; a stray
  // continuation byte becomes a '?' of its own.
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {
      out += text[i];
      continue;
    }
    out += '?';
    if (byte >= 0xC0) {
      while (i + 1 < text.size() && (static_cast<unsigned char>(text[i + 1]) & 0xC0) == 0x80) {
        ++i;
      }
    }
  }
  return out;
}

std::string short_function_name(const std::string& signature) {
  std::string name = signature.substr(0, signature.find('('));
  std::size_t space = name.rfind(' ');
  return space == std::string::npos ? name : name.substr(space + 1);
}

std::pair<std::string, std::string> distinguishable(double actual, double expected,
                                                    int min_decimals) {
  for (int decimals = min_decimals; decimals < 17; ++decimals) {
    std::string a = fmt::format("{:.{}f}", actual, decimals);
    std::string e = fmt::format("{:.{}f}", expected, decimals);
    if (a != e) {
      return {a, e};
    }
  }
  return {fmt::format("{}", actual), fmt::format("{}", expected)};
}

namespace {

// Returns the length of the valid UTF-8 sequence at the start of `text`, or 0.
std::size_t utf8_sequence_length(std::string_view text) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  unsigned char lead = byte(0);
  if (lead < 0x80) {
    return 1;
  }

  std::size_t length = 0;
  char32_t code_point = 0;
  char32_t min_code_point = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    code_point = lead & 0x1F;
    min_code_point = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    code_point = lead & 0x0F;
    min_code_point = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    code_point = lead & 0x07;
    min_code_point = 0x10000;
  } else {
    return 0;
  }
  if (text.size() < length) {
    return 0;
  }

  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) {
      return 0;
    }
    code_point = (code_point << 6) | (byte(i) & 0x3F);
  }
  bool surrogate = code_point >= 0xD800 && code_point <= 0xDFFF;
  if (code_point < min_code_point || code_point > 0x10FFFF || surrogate) {
    return 0;
  }
  return length;
}

}  // namespace

std::string replace_invalid_utf8(std::string_view text) {
  std::string result;
  result.reserve(text.size());
  while (!text.empty()) {
    std::size_t length = utf8_sequence_length(text);
    if (length == 0) {
      result += "\xEF\xBF\xBD";
      text.remove_prefix(1);
      continue;
    }
    result.append(text.substr(0, length));
    text.remove_prefix(length);
  }
  return result;
}

}  // namespace gradlings::runner
