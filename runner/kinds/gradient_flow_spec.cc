#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "runner/kinds/gradient_flow.h"
#include "runner/lesson.h"
#include "runner/random.h"

namespace gradlings::runner {

namespace {

constexpr int kMaxFlowLayers = 1'000;
constexpr int kMaxHiddenFlows = 1'000;
constexpr int kMinChainLayers = 2;
// Each chain's weights are also checked by central differences, two forward
// passes per weight, so chains stay small enough to grade in well under a
// second.
constexpr int kMaxChainLayers = 64;
constexpr int kMaxChainWidth = 32;
constexpr int kMaxHiddenChains = 100;

std::vector<double> read_numbers(const YamlDoc& doc, const YAML::Node& map,
                                 const std::string& key) {
  std::vector<double> numbers;
  for (const YAML::Node& item : doc.sequence(map, key)) {
    double value = 0;
    if (!item.IsScalar() || !YAML::convert<double>::decode(item, value) || !std::isfinite(value)) {
      doc.fail(item.Mark(), fmt::format("each entry of '{}' must be a finite number", key));
    }
    numbers.push_back(value);
  }
  return numbers;
}

IntRange read_int_range(const YamlDoc& doc, const YAML::Node& map, const std::string& key, int min,
                        int max) {
  Range range = doc.range(map, key);
  bool whole = range.low == std::floor(range.low) && range.high == std::floor(range.high);
  if (!whole || range.low < min || range.high > max) {
    doc.fail(map[key].Mark(), fmt::format("'{}' must be a range [low, high] of whole numbers "
                                          "between {} and {}",
                                          key, min, max));
  }
  return {static_cast<int>(range.low), static_cast<int>(range.high)};
}

std::vector<Range> read_ranges(const YamlDoc& doc, const YAML::Node& map, const std::string& key) {
  std::vector<Range> ranges;
  for (const YAML::Node& item : doc.sequence(map, key)) {
    Range range;
    bool ok = item.IsSequence() && item.size() == 2 &&
              YAML::convert<double>::decode(item[0], range.low) &&
              YAML::convert<double>::decode(item[1], range.high) && std::isfinite(range.low) &&
              std::isfinite(range.high) && range.low <= range.high;
    if (!ok) {
      doc.fail(item.Mark(), fmt::format("each entry of '{}' must be a range [low, high] with low "
                                        "at most high",
                                        key));
    }
    ranges.push_back(range);
  }
  return ranges;
}

// Returns a whole number in [range.low, range.high], each equally likely.
int uniform_int(Random& random, IntRange range) {
  int count = range.high - range.low + 1;
  int offset = static_cast<int>(random.uniform(0, count));
  return range.low + std::min(offset, count - 1);
}

FlowCase read_flow(const YamlDoc& doc, const YAML::Node& node) {
  doc.check_keys(node, "a flow", {"name", "weights"}, {"name", "weights"});
  FlowCase flow;
  flow.name = doc.text(node, "name");
  flow.weights = read_numbers(doc, node, "weights");
  if (flow.weights.size() > static_cast<std::size_t>(kMaxFlowLayers)) {
    doc.fail(node["weights"].Mark(), fmt::format("'weights' may hold at most {} layers, not {}",
                                                 kMaxFlowLayers, flow.weights.size()));
  }
  return flow;
}

ChainDraw read_chain_draw(const YamlDoc& doc, const YAML::Node& node) {
  std::vector<std::string> keys = {"name", "seed", "layers", "width", "target"};
  doc.check_keys(node, "a chain", keys, keys);
  ChainDraw draw;
  draw.seed = static_cast<std::uint64_t>(doc.integer(node, "seed", 0, INT64_MAX));
  draw.layers = static_cast<int>(doc.integer(node, "layers", kMinChainLayers, kMaxChainLayers));
  draw.width = static_cast<int>(doc.integer(node, "width", 1, kMaxChainWidth));
  draw.target = doc.number(node, "target");
  return draw;
}

ChainWeights read_chain_weights(const YamlDoc& doc, const YAML::Node& node) {
  doc.check_keys(node, "'chain_weights'", {"sigmoid", "x"}, {"sigmoid", "x"});
  return {doc.range(node, "sigmoid"), doc.range(node, "x")};
}

GradientFlowHidden read_hidden(const YamlDoc& doc, const YAML::Node& node) {
  std::vector<std::string> keys = {"seed",   "flows",        "flow_layers", "flow_weights",
                                   "chains", "chain_layers", "chain_width", "target"};
  doc.check_keys(node, "'hidden'", keys, keys);
  GradientFlowHidden hidden;
  hidden.seed = static_cast<std::uint64_t>(doc.integer(node, "seed", 0, INT64_MAX));
  hidden.flows = static_cast<int>(doc.integer(node, "flows", 0, kMaxHiddenFlows));
  hidden.flow_layers = read_int_range(doc, node, "flow_layers", 1, kMaxFlowLayers);
  hidden.flow_weights = read_ranges(doc, node, "flow_weights");
  hidden.chains = static_cast<int>(doc.integer(node, "chains", 0, kMaxHiddenChains));
  hidden.chain_layers = read_int_range(doc, node, "chain_layers", kMinChainLayers, kMaxChainLayers);
  hidden.chain_width = read_int_range(doc, node, "chain_width", 1, kMaxChainWidth);
  hidden.target = doc.range(node, "target");
  return hidden;
}

// Draws every weight matrix of a chain, layer 1 first, row by row. Each entry
// is uniform in the range that `range_for` returns for the layer's fan-in,
// its number of inputs.
template <class RangeFor>
std::vector<engine::Matrix> draw_weights(Random& random, const ChainDraw& draw,
                                         RangeFor range_for) {
  std::vector<engine::Matrix> weights;
  for (int l = 0; l < draw.layers; ++l) {
    int rows = l + 1 == draw.layers ? 1 : draw.width;
    Range range = range_for(draw.width);
    engine::Matrix w(rows, draw.width);
    for (int i = 0; i < rows; ++i) {
      for (int j = 0; j < draw.width; ++j) {
        w(i, j) = random.uniform(range.low, range.high);
      }
    }
    weights.push_back(w);
  }
  return weights;
}

void check_unique_names(const YamlDoc& doc, const YAML::Node& node, const std::string& name,
                        std::vector<std::string>& names) {
  if (std::find(names.begin(), names.end(), name) != names.end()) {
    doc.fail(node["name"].Mark(), fmt::format("duplicate case name '{}'", name));
  }
  names.push_back(name);
}

}  // namespace

ChainCase draw_chain_case(const ChainDraw& draw, const ChainWeights& weights) {
  Random random(draw.seed);
  ChainCase c;
  c.draw = draw;

  engine::Matrix x(draw.width, 1);
  for (int i = 0; i < draw.width; ++i) {
    x(i, 0) = random.uniform(weights.x.low, weights.x.high);
  }

  c.sigmoid.activation = engine::Activation::sigmoid;
  c.sigmoid.weights = draw_weights(random, draw, [&](int) { return weights.sigmoid_weights; });

  c.relu.activation = engine::Activation::relu;
  c.relu.weights = draw_weights(random, draw, [](int fan_in) {
    double bound = std::sqrt(6.0 / fan_in);
    return Range{-bound, bound};
  });

  for (engine::DeepChain* chain : {&c.sigmoid, &c.relu}) {
    chain->x = x;
    chain->target = draw.target;
  }
  return c;
}

GradientFlowSpec parse_gradient_flow_spec(const YamlDoc& doc) {
  const YAML::Node& root = doc.root();
  GradientFlowSpec spec;
  std::vector<std::string> names;

  for (const YAML::Node& node : doc.sequence(root, "flows")) {
    FlowCase flow = read_flow(doc, node);
    check_unique_names(doc, node, flow.name, names);
    spec.flows.push_back(flow);
  }

  spec.chain_weights = read_chain_weights(doc, root["chain_weights"]);
  for (const YAML::Node& node : doc.sequence(root, "chains")) {
    ChainCase c = draw_chain_case(read_chain_draw(doc, node), spec.chain_weights);
    c.name = doc.text(node, "name");
    check_unique_names(doc, node, c.name, names);
    spec.chains.push_back(c);
  }

  spec.hidden = read_hidden(doc, root["hidden"]);
  return spec;
}

GradientFlowCases gradient_flow_cases(const GradientFlowSpec& spec) {
  GradientFlowCases cases{spec.flows, spec.chains};
  const GradientFlowHidden& hidden = spec.hidden;
  Random random(hidden.seed);

  for (int i = 0; i < hidden.flows; ++i) {
    FlowCase flow;
    flow.name = fmt::format("hidden flow {}", i + 1);
    flow.hidden = true;
    const Range& band = hidden.flow_weights[i % hidden.flow_weights.size()];
    int layers = uniform_int(random, hidden.flow_layers);
    for (int k = 0; k < layers; ++k) {
      flow.weights.push_back(random.uniform(band.low, band.high));
    }
    cases.flows.push_back(flow);
  }

  for (int i = 1; i <= hidden.chains; ++i) {
    ChainDraw draw;
    draw.seed = static_cast<std::uint64_t>(random.uniform(0, 9007199254740992.0));
    draw.layers = uniform_int(random, hidden.chain_layers);
    draw.width = uniform_int(random, hidden.chain_width);
    draw.target = random.uniform(hidden.target.low, hidden.target.high);
    ChainCase c = draw_chain_case(draw, spec.chain_weights);
    c.name = fmt::format("hidden chain {}", i);
    c.hidden = true;
    cases.chains.push_back(c);
  }
  return cases;
}

namespace {

void append_matrices(std::string& line, const std::vector<engine::Matrix>& matrices) {
  for (const engine::Matrix& w : matrices) {
    for (Eigen::Index i = 0; i < w.rows(); ++i) {
      for (Eigen::Index j = 0; j < w.cols(); ++j) {
        line += fmt::format(" {:.17g}", w(i, j));
      }
    }
  }
}

}  // namespace

std::string gradient_flow_input(const GradientFlowCases& cases) {
  std::string input;
  std::size_t id = 0;
  for (const FlowCase& flow : cases.flows) {
    input += fmt::format("flow {} {}", id++, flow.weights.size());
    for (double w : flow.weights) {
      input += fmt::format(" {:.17g}", w);
    }
    input += "\n";
  }

  for (const ChainCase& c : cases.chains) {
    std::string line =
        fmt::format("chain {} {} {} {:.17g}", id++, c.draw.layers, c.draw.width, c.draw.target);
    for (Eigen::Index i = 0; i < c.sigmoid.x.rows(); ++i) {
      line += fmt::format(" {:.17g}", c.sigmoid.x(i, 0));
    }
    append_matrices(line, c.sigmoid.weights);
    append_matrices(line, c.relu.weights);
    input += line + "\n";
  }
  return input;
}

namespace {

class GradientFlowKind : public LessonKind {
 public:
  std::string name() const override { return "gradient-flow"; }

  std::vector<std::string> keys() const override {
    return {"flows", "chains", "chain_weights", "hidden"};
  }

  std::shared_ptr<const KindSpec> parse(const YamlDoc& doc) const override {
    return std::make_shared<GradientFlowSpec>(parse_gradient_flow_spec(doc));
  }

  std::string harness() const override { return "gradient_flow_main.cpp"; }

  std::string input(const Lesson& lesson) const override {
    return gradient_flow_input(gradient_flow_cases(spec_as<GradientFlowSpec>(lesson.spec)));
  }

  std::vector<CaseTrace> grade(const Lesson& lesson, const ChannelData& data) const override {
    return grade_gradient_flow(lesson, gradient_flow_cases(spec_as<GradientFlowSpec>(lesson.spec)),
                               data);
  }

  // The harness input contains every flow case, public then hidden, and then
  // every chain case, so a public chain comes after the hidden flows.
  std::vector<CaseName> case_names(const Lesson& lesson) const override {
    GradientFlowCases cases = gradient_flow_cases(spec_as<GradientFlowSpec>(lesson.spec));
    std::vector<CaseName> names = case_names_of(cases.flows);
    std::vector<CaseName> chains = case_names_of(cases.chains);
    names.insert(names.end(), chains.begin(), chains.end());
    return names;
  }
};

}  // namespace

std::unique_ptr<LessonKind> make_gradient_flow_kind() {
  return std::make_unique<GradientFlowKind>();
}

}  // namespace gradlings::runner
