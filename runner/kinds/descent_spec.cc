#include <fmt/format.h>

#include <cmath>

#include "engine/descent.h"
#include "runner/kinds/descent.h"
#include "runner/lesson.h"
#include "runner/random.h"

namespace gradlings::runner {

namespace {

// One row per epoch in the trace, so a longer run would not be readable.
constexpr int kMaxEpochs = 200;
constexpr int kMaxHiddenCases = 1'000;

double round_to(double value, int decimals) {
  double factor = std::pow(10.0, decimals);
  return std::round(value * factor) / factor;
}

// Returns the largest |w - target| of the case's run, the final weight included.
double max_distance(const DescentCase& c) {
  std::vector<engine::DescentEpoch> epochs =
      engine::descent_trajectory(c.start, c.target, c.learning_rate, c.epochs);
  double largest = 0;
  for (const engine::DescentEpoch& e : epochs) {
    largest = std::max(largest, std::abs(e.weight - c.target));
  }
  if (!epochs.empty()) {
    largest = std::max(largest, std::abs(epochs.back().weight + epochs.back().update - c.target));
  }
  return largest;
}

void check_distance(const YamlDoc& doc, const YAML::Node& node, const DescentCase& c,
                    const std::string& fix) {
  double distance = max_distance(c);
  if (!(distance <= kMaxDescentDistance)) {
    doc.fail(node.Mark(), fmt::format("case '{}' moves w {:.6g} away from its target, beyond the "
                                      "limit {:g} ({})",
                                      c.name, distance, kMaxDescentDistance, fix));
  }
}

DescentCase read_case(const YamlDoc& doc, const YAML::Node& node) {
  std::vector<std::string> keys = {"name", "start", "target", "learning_rate", "epochs"};
  doc.check_keys(node, "a case", keys, keys);
  DescentCase c;
  c.name = doc.text(node, "name");
  c.start = doc.number(node, "start");
  c.target = doc.number(node, "target");
  c.learning_rate = doc.positive_number(node, "learning_rate");
  c.epochs = static_cast<int>(doc.integer(node, "epochs", 1, kMaxEpochs));
  check_distance(doc, node, c, "use fewer epochs or a smaller learning rate");
  return c;
}

Range positive_range(const YamlDoc& doc, const YAML::Node& node, const std::string& key) {
  Range range = doc.range(node, key);
  if (range.low <= 0) {
    doc.fail(node[key].Mark(), fmt::format("'{}' must lie above 0, but its low end is {}", key,
                                           range.low));
  }
  return range;
}

Range epoch_range(const YamlDoc& doc, const YAML::Node& node) {
  Range range = doc.range(node, "epochs");
  bool whole = range.low == std::floor(range.low) && range.high == std::floor(range.high);
  if (!whole || range.low < 1 || range.high > kMaxEpochs) {
    doc.fail(node["epochs"].Mark(),
             fmt::format("'epochs' must be a range of whole numbers between 1 and {}, not [{}, {}]",
                         kMaxEpochs, range.low, range.high));
  }
  return range;
}

DescentHidden read_hidden(const YamlDoc& doc, const YAML::Node& node) {
  std::vector<std::string> keys = {"seed",   "count",           "start",
                                   "target", "learning_rate",   "epochs",
                                   "diverging_count", "diverging_learning_rate"};
  doc.check_keys(node, "'hidden'", keys, keys);
  DescentHidden hidden;
  hidden.seed = static_cast<std::uint64_t>(doc.integer(node, "seed", 0, INT64_MAX));
  hidden.count = static_cast<int>(doc.integer(node, "count", 0, kMaxHiddenCases));
  hidden.start = doc.range(node, "start");
  hidden.target = doc.range(node, "target");
  hidden.learning_rate = positive_range(doc, node, "learning_rate");
  hidden.epochs = epoch_range(doc, node);
  hidden.diverging_count = static_cast<int>(doc.integer(node, "diverging_count", 0, hidden.count));
  hidden.diverging_learning_rate = positive_range(doc, node, "diverging_learning_rate");
  return hidden;
}

}  // namespace

DescentSpec parse_descent_spec(const YamlDoc& doc) {
  const YAML::Node& root = doc.root();
  DescentSpec spec;

  for (const YAML::Node& node : doc.sequence(root, "cases")) {
    DescentCase c = read_case(doc, node);
    for (const DescentCase& earlier : spec.cases) {
      if (earlier.name == c.name) {
        doc.fail(node["name"].Mark(), fmt::format("duplicate case name '{}'", c.name));
      }
    }
    spec.cases.push_back(c);
  }

  spec.hidden = read_hidden(doc, root["hidden"]);
  DescentSpec hidden_only;
  hidden_only.hidden = spec.hidden;
  for (const DescentCase& c : descent_cases(hidden_only)) {
    check_distance(doc, root["hidden"], c,
                   "narrow 'start', 'target', 'epochs' or 'diverging_learning_rate'");
  }
  return spec;
}

std::vector<DescentCase> descent_cases(const DescentSpec& spec) {
  std::vector<DescentCase> cases = spec.cases;
  const DescentHidden& hidden = spec.hidden;
  Random random(hidden.seed);

  for (int i = 1; i <= hidden.count; ++i) {
    const Range& rate = i <= hidden.diverging_count ? hidden.diverging_learning_rate
                                                    : hidden.learning_rate;
    DescentCase c;
    c.name = fmt::format("hidden {}", i);
    c.hidden = true;
    c.start = round_to(random.uniform(hidden.start.low, hidden.start.high), 2);
    c.target = round_to(random.uniform(hidden.target.low, hidden.target.high), 2);
    c.learning_rate = round_to(random.uniform(rate.low, rate.high), 3);
    double epochs = std::floor(random.uniform(hidden.epochs.low, hidden.epochs.high + 1));
    c.epochs = static_cast<int>(std::min(epochs, hidden.epochs.high));
    cases.push_back(c);
  }
  return cases;
}

std::string descent_input(const std::vector<DescentCase>& cases) {
  std::string input;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const DescentCase& c = cases[i];
    double gradient = engine::descent_epoch(c.start, c.target, c.learning_rate).gradient;
    input += fmt::format("case {} {:.17g} {:.17g} {:.17g} {} {:.17g}\n", i, c.start, c.target,
                         c.learning_rate, c.epochs, gradient);
  }
  return input;
}

namespace {

class DescentKind : public LessonKind {
 public:
  std::string name() const override { return "gradient-descent"; }

  std::vector<std::string> keys() const override { return {"cases", "hidden"}; }

  std::shared_ptr<const KindSpec> parse(const YamlDoc& doc) const override {
    return std::make_shared<DescentSpec>(parse_descent_spec(doc));
  }

  std::string harness() const override { return "gradient_descent_main.cpp"; }

  std::string input(const Lesson& lesson) const override {
    return descent_input(descent_cases(spec_as<DescentSpec>(lesson.spec)));
  }

  std::vector<CaseTrace> grade(const Lesson& lesson, const ChannelData& data) const override {
    return grade_descent(lesson, descent_cases(spec_as<DescentSpec>(lesson.spec)), data);
  }

  std::vector<CaseName> case_names(const Lesson& lesson) const override {
    return case_names_of(descent_cases(spec_as<DescentSpec>(lesson.spec)));
  }
};

}  // namespace

std::unique_ptr<LessonKind> make_descent_kind() { return std::make_unique<DescentKind>(); }

}  // namespace gradlings::runner
