#include "runner/kinds/two_layer.h"

#include <fmt/format.h>

#include "runner/lesson.h"
#include "runner/random.h"

namespace gradlings::runner {

namespace {

constexpr int kMaxSteps = 10'000;
constexpr int kMaxHiddenCases = 1'000;

TwoLayerCase read_case(const YamlDoc& doc, const YAML::Node& node, const TwoLayerSpec& spec) {
  doc.check_keys(node, "a case", {"name", "x", "target", "steps"}, {"name", "x", "target", "steps"});
  TwoLayerCase c;
  c.name = doc.text(node, "name");
  c.params = spec.params;
  c.learning_rate = spec.learning_rate;
  c.x = doc.number(node, "x");
  c.target = doc.number(node, "target");
  c.steps = static_cast<int>(doc.integer(node, "steps", 1, kMaxSteps));
  return c;
}

HiddenCases read_hidden(const YamlDoc& doc, const YAML::Node& node) {
  std::vector<std::string> keys = {"seed", "count", "steps", "weights", "x", "target"};
  doc.check_keys(node, "'hidden'", keys, keys);
  HiddenCases hidden;
  hidden.seed = static_cast<std::uint64_t>(doc.integer(node, "seed", 0, INT64_MAX));
  hidden.count = static_cast<int>(doc.integer(node, "count", 0, kMaxHiddenCases));
  hidden.steps = static_cast<int>(doc.integer(node, "steps", 1, kMaxSteps));
  hidden.weights = doc.range(node, "weights");
  hidden.x = doc.range(node, "x");
  hidden.target = doc.range(node, "target");
  return hidden;
}

}  // namespace

TwoLayerSpec parse_two_layer_spec(const YamlDoc& doc) {
  const YAML::Node& root = doc.root();
  TwoLayerSpec spec;

  YAML::Node model = root["model"];
  std::vector<std::string> model_keys = {"w1", "b1", "w2", "b2", "learning_rate"};
  doc.check_keys(model, "'model'", model_keys, model_keys);
  spec.params = {doc.number(model, "w1"), doc.number(model, "b1"), doc.number(model, "w2"),
                 doc.number(model, "b2")};
  spec.learning_rate = doc.positive_number(model, "learning_rate");

  for (const YAML::Node& node : doc.sequence(root, "cases")) {
    TwoLayerCase c = read_case(doc, node, spec);
    for (const TwoLayerCase& earlier : spec.cases) {
      if (earlier.name == c.name) {
        doc.fail(node["name"].Mark(), fmt::format("duplicate case name '{}'", c.name));
      }
    }
    spec.cases.push_back(c);
  }

  spec.hidden = read_hidden(doc, root["hidden"]);
  return spec;
}

std::vector<TwoLayerCase> two_layer_cases(const TwoLayerSpec& spec) {
  std::vector<TwoLayerCase> cases = spec.cases;
  const HiddenCases& hidden = spec.hidden;
  Random random(hidden.seed);

  for (int i = 1; i <= hidden.count; ++i) {
    TwoLayerCase c;
    c.name = fmt::format("hidden {}", i);
    c.hidden = true;
    c.params.w1 = random.uniform(hidden.weights.low, hidden.weights.high);
    c.params.b1 = random.uniform(hidden.weights.low, hidden.weights.high);
    c.params.w2 = random.uniform(hidden.weights.low, hidden.weights.high);
    c.params.b2 = random.uniform(hidden.weights.low, hidden.weights.high);
    c.learning_rate = spec.learning_rate;
    c.x = random.uniform(hidden.x.low, hidden.x.high);
    c.target = random.uniform(hidden.target.low, hidden.target.high);
    c.steps = hidden.steps;
    cases.push_back(c);
  }
  return cases;
}

std::string two_layer_input(const std::vector<TwoLayerCase>& cases) {
  std::string input;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const TwoLayerCase& c = cases[i];
    input += fmt::format("case {} {:.17g} {:.17g} {:.17g} {:.17g} {:.17g} {:.17g} {:.17g} {}\n", i,
                         c.params.w1, c.params.b1, c.params.w2, c.params.b2, c.learning_rate, c.x,
                         c.target, c.steps);
  }
  return input;
}

}  // namespace gradlings::runner

namespace gradlings::runner {

namespace {

class TwoLayerKind : public LessonKind {
 public:
  std::string name() const override { return "two-layer-network"; }

  std::vector<std::string> keys() const override { return {"model", "cases", "hidden"}; }

  std::shared_ptr<const KindSpec> parse(const YamlDoc& doc) const override {
    return std::make_shared<TwoLayerSpec>(parse_two_layer_spec(doc));
  }

  std::string harness() const override { return "two_layer_network_main.cpp"; }

  std::string input(const Lesson& lesson) const override {
    return two_layer_input(two_layer_cases(spec_as<TwoLayerSpec>(lesson.spec)));
  }

  std::vector<CaseTrace> grade(const Lesson& lesson, const ChannelData& data) const override {
    return grade_two_layer(lesson, two_layer_cases(spec_as<TwoLayerSpec>(lesson.spec)), data);
  }

  std::vector<CaseName> case_names(const Lesson& lesson) const override {
    return case_names_of(two_layer_cases(spec_as<TwoLayerSpec>(lesson.spec)));
  }
};

}  // namespace

std::unique_ptr<LessonKind> make_two_layer_kind() { return std::make_unique<TwoLayerKind>(); }

}  // namespace gradlings::runner
