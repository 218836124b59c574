#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "engine/clipping.h"
#include "runner/kinds/clipping.h"
#include "runner/lesson.h"
#include "runner/random.h"

namespace gradlings::runner {

namespace {

// One table row per entry in the trace, so longer vectors would not be readable.
constexpr int kMaxLength = 32;
constexpr int kMaxHiddenCases = 1'000;
constexpr double kMinThreshold = 0.01;

std::vector<double> read_numbers(const YamlDoc& doc, const YAML::Node& map, const std::string& key) {
  YAML::Node list = doc.sequence(map, key);
  if (list.size() > static_cast<std::size_t>(kMaxLength)) {
    doc.fail(list.Mark(), fmt::format("'{}' has {} entries, but at most {} are allowed", key,
                                      list.size(), kMaxLength));
  }
  std::vector<double> numbers;
  for (const YAML::Node& item : list) {
    double value = 0;
    if (!item.IsScalar() || !YAML::convert<double>::decode(item, value) || !std::isfinite(value)) {
      doc.fail(item.Mark(), fmt::format("each entry of '{}' must be a finite number", key));
    }
    numbers.push_back(value);
  }
  return numbers;
}

ClippingCase read_case(const YamlDoc& doc, const YAML::Node& node) {
  std::vector<std::string> keys = {"name", "weights", "coefficients", "clip_value", "max_norm"};
  doc.check_keys(node, "a case", keys, keys);
  ClippingCase c;
  c.name = doc.text(node, "name");
  c.weights = read_numbers(doc, node, "weights");
  c.coefficients = read_numbers(doc, node, "coefficients");
  if (c.coefficients.size() != c.weights.size()) {
    doc.fail(node["coefficients"].Mark(),
             fmt::format("'coefficients' has {} entries but 'weights' has {}; give one "
                         "coefficient per weight",
                         c.coefficients.size(), c.weights.size()));
  }
  c.clip_value = doc.positive_number(node, "clip_value");
  c.max_norm = doc.positive_number(node, "max_norm");
  return c;
}

ClippingHidden read_hidden(const YamlDoc& doc, const YAML::Node& node) {
  std::vector<std::string> keys = {"seed",         "count",           "length", "weights",
                                   "coefficients", "threshold_factor"};
  doc.check_keys(node, "'hidden'", keys, keys);
  ClippingHidden hidden;
  hidden.seed = static_cast<std::uint64_t>(doc.integer(node, "seed", 0, INT64_MAX));
  hidden.count = static_cast<int>(doc.integer(node, "count", 0, kMaxHiddenCases));
  hidden.length = doc.range(node, "length");
  const Range& length = hidden.length;
  if (length.low != std::floor(length.low) || length.high != std::floor(length.high) ||
      length.low < 1 || length.high > kMaxLength) {
    doc.fail(node["length"].Mark(),
             fmt::format("'length' must be a range of whole numbers between 1 and {}, not [{}, {}]",
                         kMaxLength, length.low, length.high));
  }
  hidden.weights = doc.range(node, "weights");
  hidden.coefficients = doc.range(node, "coefficients");
  hidden.threshold_factor = doc.range(node, "threshold_factor");
  if (hidden.threshold_factor.low <= 0) {
    doc.fail(node["threshold_factor"].Mark(),
             fmt::format("'threshold_factor' must lie above 0, but its low end is {}",
                         hidden.threshold_factor.low));
  }
  return hidden;
}

double round_to_cents(double value) { return std::round(value * 100) / 100; }

double round_up_to_cents(double value) { return std::ceil(value * 100) / 100; }

double largest_magnitude(const std::vector<double>& g) {
  double largest = 0;
  for (double entry : g) {
    largest = std::max(largest, std::abs(entry));
  }
  return largest;
}

// Draws hidden case `i` (from 1); see ClippingHidden for the two special ones.
ClippingCase draw_hidden(const ClippingHidden& hidden, int i, Random& random) {
  ClippingCase c;
  c.name = fmt::format("hidden {}", i);
  c.hidden = true;
  double length = std::floor(random.uniform(hidden.length.low, hidden.length.high + 1));
  std::size_t n = static_cast<std::size_t>(std::min(length, hidden.length.high));
  for (std::size_t k = 0; k < n; ++k) {
    double w = round_to_cents(random.uniform(hidden.weights.low, hidden.weights.high));
    c.weights.push_back(i == 1 ? 0.0 : w);
    c.coefficients.push_back(
        round_to_cents(random.uniform(hidden.coefficients.low, hidden.coefficients.high)));
  }

  std::vector<double> g = engine::weighted_square_gradient(c.weights, c.coefficients);
  double value_factor = random.uniform(hidden.threshold_factor.low, hidden.threshold_factor.high);
  double norm_factor = random.uniform(hidden.threshold_factor.low, hidden.threshold_factor.high);
  if (i == 1) {
    c.clip_value = 1;
    c.max_norm = 1;
  } else if (i == 2) {
    c.clip_value = round_up_to_cents(largest_magnitude(g) * random.uniform(1.1, 2.0));
    c.max_norm = round_up_to_cents(engine::global_norm(g) * random.uniform(1.1, 2.0));
  } else {
    c.clip_value = round_to_cents(largest_magnitude(g) * value_factor);
    c.max_norm = round_to_cents(engine::global_norm(g) * norm_factor);
  }
  c.clip_value = std::max(c.clip_value, kMinThreshold);
  c.max_norm = std::max(c.max_norm, kMinThreshold);
  return c;
}

}  // namespace

ClippingSpec parse_clipping_spec(const YamlDoc& doc) {
  const YAML::Node& root = doc.root();
  ClippingSpec spec;

  for (const YAML::Node& node : doc.sequence(root, "cases")) {
    ClippingCase c = read_case(doc, node);
    for (const ClippingCase& earlier : spec.cases) {
      if (earlier.name == c.name) {
        doc.fail(node["name"].Mark(), fmt::format("duplicate case name '{}'", c.name));
      }
    }
    spec.cases.push_back(c);
  }

  spec.hidden = read_hidden(doc, root["hidden"]);
  return spec;
}

std::vector<ClippingCase> clipping_cases(const ClippingSpec& spec) {
  std::vector<ClippingCase> cases = spec.cases;
  Random random(spec.hidden.seed);
  for (int i = 1; i <= spec.hidden.count; ++i) {
    cases.push_back(draw_hidden(spec.hidden, i, random));
  }
  return cases;
}

std::string clipping_input(const std::vector<ClippingCase>& cases) {
  std::string input;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const ClippingCase& c = cases[i];
    input += fmt::format("case {} {} {:.17g} {:.17g}", i, c.weights.size(), c.clip_value,
                         c.max_norm);
    for (double w : c.weights) {
      input += fmt::format(" {:.17g}", w);
    }
    for (double coefficient : c.coefficients) {
      input += fmt::format(" {:.17g}", coefficient);
    }
    input += "\n";
  }
  return input;
}

namespace {

class ClippingKind : public LessonKind {
 public:
  std::string name() const override { return "gradient-clipping"; }

  std::vector<std::string> keys() const override { return {"cases", "hidden"}; }

  std::shared_ptr<const KindSpec> parse(const YamlDoc& doc) const override {
    return std::make_shared<ClippingSpec>(parse_clipping_spec(doc));
  }

  std::string harness() const override { return "gradient_clipping_main.cpp"; }

  std::string input(const Lesson& lesson) const override {
    return clipping_input(clipping_cases(spec_as<ClippingSpec>(lesson.spec)));
  }

  std::vector<CaseTrace> grade(const Lesson& lesson, const ChannelData& data) const override {
    return grade_clipping(lesson, clipping_cases(spec_as<ClippingSpec>(lesson.spec)), data);
  }

  std::vector<CaseName> case_names(const Lesson& lesson) const override {
    return case_names_of(clipping_cases(spec_as<ClippingSpec>(lesson.spec)));
  }
};

}  // namespace

std::unique_ptr<LessonKind> make_clipping_kind() { return std::make_unique<ClippingKind>(); }

}  // namespace gradlings::runner
