#include "runner/yaml_doc.h"

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>  // YAML::DeepRecursion, which yaml.h leaves out

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "runner/error.h"
#include "runner/text.h"
#include "runner/yaml_limits.h"

namespace gradlings::runner {

namespace {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  std::string line;
  while (std::getline(stream, line)) {
    lines.push_back(line);
  }
  return lines;
}

// A scalar as written in the file, for quoting in messages.
std::string written(const YAML::Node& node) {
  if (node.IsScalar()) {
    return "'" + node.Scalar() + "'";
  }
  if (node.IsSequence()) {
    return node.size() == 0 ? "an empty list" : "a list";
  }
  if (node.IsMap()) {
    return "a map";
  }
  return "nothing";
}

// One step of the SplitMix64 generator: a bijection on 64 bits that spreads
// every input bit over the whole output.
std::uint64_t split_mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Rewrites the seed of one hidden block in place. YAML::Node is a handle, so
// assigning a scalar changes the tree that the kind reads later, and keeps
// the value's position for messages.
void mix_block_seed(const YAML::Node& block, std::uint64_t grading_seed) {
  if (!block.IsMap()) {
    return;
  }
  // A missing key gives an invalid node, on which IsScalar() throws.
  YAML::Node seed = block["seed"];
  long long written_seed = 0;
  if (!seed.IsDefined() || !seed.IsScalar() || !YAML::convert<long long>::decode(seed, written_seed) ||
      written_seed < 0) {
    return;
  }
  seed = std::to_string(mix_seeds(grading_seed, static_cast<std::uint64_t>(written_seed)));
}

void mix_hidden_seeds_under(const YAML::Node& node, std::uint64_t grading_seed) {
  if (node.IsSequence()) {
    for (const YAML::Node& item : node) {
      mix_hidden_seeds_under(item, grading_seed);
    }
    return;
  }
  if (!node.IsMap()) {
    return;
  }

  for (const auto& entry : node) {
    const YAML::Node& value = entry.second;
    if (entry.first.IsScalar() && entry.first.Scalar() == "hidden") {
      if (value.IsSequence()) {
        for (const YAML::Node& block : value) {
          mix_block_seed(block, grading_seed);
        }
      } else {
        mix_block_seed(value, grading_seed);
      }
      continue;
    }
    mix_hidden_seeds_under(value, grading_seed);
  }
}

}  // namespace

std::uint64_t mix_seeds(std::uint64_t grading_seed, std::uint64_t seed) {
  return split_mix(split_mix(grading_seed) ^ seed) >> 1;
}

std::string display_path(const std::filesystem::path& path) {
  std::error_code error;
  std::filesystem::path relative = std::filesystem::relative(path, error);
  if (error || relative.empty() || relative.native().starts_with("..")) {
    return path.string();
  }
  return relative.string();
}

YamlDoc::YamlDoc(std::filesystem::path path, std::string text, YAML::Node root)
    : path_(std::move(path)), lines_(split_lines(text)), root_(std::move(root)) {}

YamlDoc YamlDoc::load(const std::filesystem::path& path) {
  // A folder opens as a stream that reads nothing, and a huge file would be
  // read whole, so check both before reading.
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    throw Error(fmt::format("cannot read '{}': it is a folder, not a file (replace it with the "
                            "YAML file)",
                            display_path(path)));
  }
  std::uintmax_t size = std::filesystem::file_size(path, error);
  if (!error && size > kMaxYamlBytes) {
    throw Error(fmt::format("{}: the file is {} bytes, more than the limit of {} (a lesson file "
                            "needs only a few kilobytes, so check that this is the right file)",
                            display_path(path), size, kMaxYamlBytes));
  }

  std::ifstream file(path, std::ios::binary);
  if (!file) {
    throw Error(fmt::format("cannot read '{}': {}", display_path(path), std::strerror(errno)));
  }
  std::ostringstream text;
  text << file.rdbuf();
  return parse(text.str(), path);
}

YamlDoc YamlDoc::parse(std::string text, const std::filesystem::path& path) {
  // These messages show no source line: a binary line or ten thousand
  // brackets would bury the message.
  YamlDoc bare(path, "", YAML::Node());
  if (std::optional<YamlProblem> problem = find_encoding_problem(text)) {
    bare.fail(problem->mark, problem->message);
  }

  YamlDoc doc(path, text, YAML::Node());
  try {
    doc.root_ = YAML::Load(text);
  } catch (const YAML::DeepRecursion& error) {
    bare.fail(error.mark, fmt::format("lists and maps nest more than {} levels deep (a lesson "
                                      "needs only a few, so close the brackets or indent less)",
                                      error.depth()));
  } catch (const YAML::ParserException& error) {
    doc.fail(error.mark, "invalid YAML: " + error.msg);
  }

  if (std::optional<YamlProblem> problem = find_expansion_problem(doc.root_)) {
    doc.fail(problem->mark, problem->message);
  }
  return doc;
}

std::string YamlDoc::location(const YAML::Mark& mark) const {
  if (mark.is_null() || mark.line < 0) {
    return display_path(path_);
  }
  return fmt::format("{}:{}:{}", display_path(path_), mark.line + 1, mark.column + 1);
}

std::string YamlDoc::located(const YAML::Mark& mark, const std::string& message) const {
  std::string text = location(mark) + ": " + message;
  if (!mark.is_null() && mark.line >= 0 && static_cast<std::size_t>(mark.line) < lines_.size()) {
    text += "\n  " + lines_[mark.line] + "\n  " + std::string(mark.column, ' ') + "^";
  }
  return text;
}

void YamlDoc::fail(const YAML::Mark& mark, const std::string& message) const {
  throw Error(located(mark, message));
}

void YamlDoc::check_keys(const YAML::Node& node, std::string_view where,
                         const std::vector<std::string>& allowed,
                         const std::vector<std::string>& required) const {
  if (!node.IsMap()) {
    fail(node.Mark(), fmt::format("{} must be a map of keys and values, not {}", where,
                                  written(node)));
  }

  std::set<std::string> seen;
  for (const auto& entry : node) {
    std::string key = entry.first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      fail(entry.first.Mark(),
           fmt::format("unknown key '{}' in {}{}", key, where, did_you_mean(key, allowed)));
    }
    if (!seen.insert(key).second) {
      fail(entry.first.Mark(), fmt::format("duplicate key '{}' in {}", key, where));
    }
  }

  for (const std::string& key : required) {
    if (!seen.contains(key)) {
      fail(node.Mark(), fmt::format("missing key '{}' in {}", key, where));
    }
  }
}

YAML::Node YamlDoc::child(const YAML::Node& map, const std::string& key) const {
  YAML::Node value = map[key];
  if (!value.IsDefined()) {
    fail(map.Mark(), fmt::format("missing key '{}'", key));
  }
  if (value.IsNull()) {
    // A null value has the position of the token after it, often on the
    // next line, so point at its key instead.
    YAML::Mark mark = value.Mark();
    for (const auto& entry : map) {
      if (entry.first.IsScalar() && entry.first.Scalar() == key) {
        mark = entry.first.Mark();
        break;
      }
    }
    fail(mark, fmt::format("missing value for '{}' (write it after the colon)", key));
  }
  return value;
}

double YamlDoc::number(const YAML::Node& map, const std::string& key) const {
  YAML::Node value = child(map, key);
  double result = 0;
  if (!value.IsScalar() || !YAML::convert<double>::decode(value, result) ||
      !std::isfinite(result)) {
    fail(value.Mark(), fmt::format("'{}' must be a finite number, not {}", key, written(value)));
  }
  return result;
}

double YamlDoc::positive_number(const YAML::Node& map, const std::string& key) const {
  double result = number(map, key);
  if (result <= 0) {
    fail(map[key].Mark(), fmt::format("'{}' must be greater than 0, not {}", key, written(map[key])));
  }
  return result;
}

double YamlDoc::non_negative_number(const YAML::Node& map, const std::string& key) const {
  double result = number(map, key);
  if (result < 0) {
    fail(map[key].Mark(), fmt::format("'{}' must be 0 or more, not {}", key, written(map[key])));
  }
  return result;
}

void YamlDoc::mix_hidden_seeds(std::uint64_t grading_seed) {
  mix_hidden_seeds_under(root_, grading_seed);
}

long long YamlDoc::integer(const YAML::Node& map, const std::string& key, long long min,
                           long long max) const {
  YAML::Node value = child(map, key);
  long long result = 0;
  if (!value.IsScalar() || !YAML::convert<long long>::decode(value, result)) {
    fail(value.Mark(), fmt::format("'{}' must be a whole number, not {}", key, written(value)));
  }
  if (result < min || result > max) {
    fail(value.Mark(),
         fmt::format("'{}' must be between {} and {}, not {}", key, min, max, result));
  }
  return result;
}

std::string YamlDoc::text(const YAML::Node& map, const std::string& key) const {
  YAML::Node value = child(map, key);
  if (!value.IsScalar() || value.Scalar().empty()) {
    fail(value.Mark(), fmt::format("'{}' must be text, not {}", key, written(value)));
  }
  return value.Scalar();
}

YAML::Node YamlDoc::sequence(const YAML::Node& map, const std::string& key) const {
  YAML::Node value = child(map, key);
  if (!value.IsSequence() || value.size() == 0) {
    fail(value.Mark(), fmt::format("'{}' must be a list with at least one entry, not {}", key,
                                   written(value)));
  }
  return value;
}

std::vector<std::string> YamlDoc::texts(const YAML::Node& map, const std::string& key) const {
  YAML::Node list = sequence(map, key);
  std::vector<std::string> result;
  for (const YAML::Node& item : list) {
    if (!item.IsScalar() || item.Scalar().empty()) {
      fail(item.Mark(), fmt::format("each entry of '{}' must be text, not {}", key, written(item)));
    }
    result.push_back(item.Scalar());
  }
  return result;
}

Range YamlDoc::range(const YAML::Node& map, const std::string& key) const {
  YAML::Node value = child(map, key);
  Range result;
  bool ok = value.IsSequence() && value.size() == 2 &&
            YAML::convert<double>::decode(value[0], result.low) &&
            YAML::convert<double>::decode(value[1], result.high) && std::isfinite(result.low) &&
            std::isfinite(result.high);
  if (!ok) {
    fail(value.Mark(), fmt::format("'{}' must be a range [low, high] of two numbers", key));
  }
  if (result.low > result.high) {
    fail(value.Mark(), fmt::format("'{}' is empty: low {} is above high {}", key, result.low,
                                   result.high));
  }
  return result;
}

}  // namespace gradlings::runner
