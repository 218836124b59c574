// A YAML file kept together with its text, so that every error can point at
// the place it is about: `file:line:col: message`, the line, and a caret.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace gradlings::runner {

/// An inclusive interval written in YAML as `[low, high]`.
struct Range {
  double low = 0;
  double high = 0;
};

class YamlDoc {
 public:
  /// Reads and parses `path`. Throws Error when the file cannot be read or
  /// is not valid YAML; the message points at the offending position.
  static YamlDoc load(const std::filesystem::path& path);

  /// Parses `text` as if it had been read from `path` (for tests).
  static YamlDoc parse(std::string text, const std::filesystem::path& path);

  const YAML::Node& root() const { return root_; }
  const std::filesystem::path& path() const { return path_; }

  /// Throws Error with `message` located at `mark`.
  [[noreturn]] void fail(const YAML::Mark& mark, const std::string& message) const;

  /// Returns `message` located at `mark` as fail() words it: `file:line:col:
  /// message`, then the line and a caret under the column when the mark is in
  /// the file. For callers that collect errors instead of throwing.
  std::string located(const YAML::Mark& mark, const std::string& message) const;

  /// Throws unless `node` is a map whose keys are all in `allowed`, each at
  /// most once, and every key in `required` is present. `where` names the map
  /// in messages ("the lesson", "'model'").
  void check_keys(const YAML::Node& node, std::string_view where,
                  const std::vector<std::string>& allowed,
                  const std::vector<std::string>& required) const;

  /// Typed accessors for `map[key]`. Each throws Error, located at the value,
  /// when the key is missing or the value has the wrong type.
  double number(const YAML::Node& map, const std::string& key) const;
  double positive_number(const YAML::Node& map, const std::string& key) const;
  double non_negative_number(const YAML::Node& map, const std::string& key) const;
  long long integer(const YAML::Node& map, const std::string& key, long long min,
                    long long max) const;
  std::string text(const YAML::Node& map, const std::string& key) const;
  std::vector<std::string> texts(const YAML::Node& map, const std::string& key) const;
  Range range(const YAML::Node& map, const std::string& key) const;
  YAML::Node sequence(const YAML::Node& map, const std::string& key) const;

  /// Replaces the `seed` of every hidden block by mix_seeds(grading_seed,
  /// seed). A hidden block is a map under a key named `hidden`, at any depth,
  /// or each map of a list under such a key. A seed that is not a whole
  /// number from 0 to INT64_MAX stays as written, so the kind reports it.
  void mix_hidden_seeds(std::uint64_t grading_seed);

 private:
  YamlDoc(std::filesystem::path path, std::string text, YAML::Node root);
  YAML::Node child(const YAML::Node& map, const std::string& key) const;
  std::string location(const YAML::Mark& mark) const;

  std::filesystem::path path_;
  std::vector<std::string> lines_;
  YAML::Node root_;
};

/// Returns a seed from 0 to INT64_MAX that depends on both arguments, so that
/// blocks with different seeds still draw different cases under one
/// grading seed.
std::uint64_t mix_seeds(std::uint64_t grading_seed, std::uint64_t seed);

/// Returns `path` relative to the current folder when it lies inside it, so
/// messages stay short; otherwise `path` unchanged.
std::string display_path(const std::filesystem::path& path);

}  // namespace gradlings::runner
