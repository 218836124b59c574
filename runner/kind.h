// Lesson kinds. A kind owns the part of lesson.yaml that describes its model
// and cases, the harness program that runs a learner's exercise, and the
// grader that turns the harness's records into traces. A new lesson of an
// existing kind needs only its YAML file, a stub and a solution.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "runner/channel.h"
#include "runner/trace.h"
#include "runner/yaml_doc.h"

namespace gradlings::runner {

struct Lesson;

/// A case of a lesson, named as grade() names its CaseTrace.
struct CaseName {
  std::string name;     // "public", "hidden 3"
  bool hidden = false;  // drawn from a hidden block's seed
};

/// Returns the name and hidden flag of each of `cases`, in order. Works for
/// any case type with `name` and `hidden` members.
template <class Case>
std::vector<CaseName> case_names_of(const std::vector<Case>& cases) {
  std::vector<CaseName> names;
  names.reserve(cases.size());
  for (const Case& c : cases) {
    names.push_back({c.name, c.hidden});
  }
  return names;
}

/// The kind-specific part of a lesson, as parsed by its kind. Each kind
/// derives its own and casts back to it with spec_as().
struct KindSpec {
  virtual ~KindSpec() = default;
};

class LessonKind {
 public:
  virtual ~LessonKind() = default;

  /// The value of `kind:` in lesson.yaml, e.g. "two-layer-network".
  virtual std::string name() const = 0;

  /// The top-level keys of lesson.yaml that this kind reads. Each is required.
  virtual std::vector<std::string> keys() const = 0;

  /// Reads the kind's keys from `doc`. Throws Error located at the offending
  /// value.
  virtual std::shared_ptr<const KindSpec> parse(const YamlDoc& doc) const = 0;

  /// The harness source in lessons/harness/ compiled with the exercise.
  virtual std::string harness() const = 0;

  /// The harness's standard input: every case, public then hidden.
  virtual std::string input(const Lesson& lesson) const = 0;

  /// Grades what the harness reported. Returns one trace per case reached,
  /// public cases first.
  virtual std::vector<CaseTrace> grade(const Lesson& lesson, const ChannelData& data) const = 0;

  /// Returns every case in the harness's input, in input order, with the
  /// name and hidden flag that grade() gives its trace. A run that stops
  /// early produces traces for a prefix of these.
  virtual std::vector<CaseName> case_names(const Lesson& lesson) const = 0;
};

/// Returns the kind named `name`, or nullptr.
const LessonKind* find_kind(const std::string& name);

/// Returns the names of every kind, for messages.
std::vector<std::string> kind_names();

/// Casts a lesson's spec back to the kind's own type.
template <class Spec>
const Spec& spec_as(const std::shared_ptr<const KindSpec>& spec) {
  return dynamic_cast<const Spec&>(*spec);
}

}  // namespace gradlings::runner
