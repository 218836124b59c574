#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

#include "runner/kinds/network.h"
#include "runner/lesson.h"
#include "runner/random.h"

namespace gradlings::runner {

namespace {

constexpr int kMaxWidth = 16;
constexpr int kMaxLayers = 6;
constexpr int kMaxSamples = 64;
constexpr int kMaxEpochs = 10'000;
constexpr int kMaxHiddenCases = 1'000;

// Reads `list` as a list of finite numbers, which may be empty. `what` names
// it in messages ("'x'"), and `parent` locates a list that is missing.
std::vector<double> number_list(const YamlDoc& doc, const YAML::Node& list, const std::string& what,
                                const YAML::Node& parent) {
  if (!list.IsSequence()) {
    doc.fail(list.IsDefined() ? list.Mark() : parent.Mark(),
             fmt::format("{} must be a list of numbers", what));
  }
  std::vector<double> values;
  for (const YAML::Node& item : list) {
    double value = 0;
    if (!item.IsScalar() || !YAML::convert<double>::decode(item, value) || !std::isfinite(value)) {
      doc.fail(item.Mark(), fmt::format("each entry of {} must be a finite number", what));
    }
    values.push_back(value);
  }
  return values;
}

std::vector<double> numbers(const YamlDoc& doc, const YAML::Node& map, const std::string& key) {
  return number_list(doc, map[key], "'" + key + "'", map);
}

// Reads map[key] as a list of exactly `count` numbers.
std::vector<double> numbers(const YamlDoc& doc, const YAML::Node& map, const std::string& key,
                            int count, const std::string& what) {
  std::vector<double> values = numbers(doc, map, key);
  if (values.size() != static_cast<std::size_t>(count)) {
    doc.fail(map[key].Mark(),
             fmt::format("'{}' has {} entries, but {} needs {}", key, values.size(), what, count));
  }
  return values;
}

HiddenNetworks::IntRange int_range(const YamlDoc& doc, const YAML::Node& map,
                                   const std::string& key, int min, int max) {
  Range range = doc.range(map, key);
  if (range.low != std::floor(range.low) || range.high != std::floor(range.high) ||
      range.low < min || range.high > max) {
    doc.fail(map[key].Mark(),
             fmt::format("'{}' must be a range of whole numbers between {} and {}", key, min, max));
  }
  return {static_cast<int>(range.low), static_cast<int>(range.high)};
}

std::vector<int> read_sizes(const YamlDoc& doc, const YAML::Node& node) {
  std::vector<int> sizes;
  for (double size : numbers(doc, node, "sizes")) {
    if (size != std::floor(size) || size < 1 || size > kMaxWidth) {
      doc.fail(node["sizes"].Mark(),
               fmt::format("each width in 'sizes' must be a whole number from 1 to {}", kMaxWidth));
    }
    sizes.push_back(static_cast<int>(size));
  }
  if (sizes.size() < 2 || sizes.size() > kMaxLayers + 1) {
    doc.fail(node["sizes"].Mark(),
             fmt::format("'sizes' must list from 2 to {} widths, input first", kMaxLayers + 1));
  }
  return sizes;
}

engine::NetworkParams read_weights(const YamlDoc& doc, const YAML::Node& node,
                                   const std::vector<int>& sizes) {
  YAML::Node layers = doc.sequence(node, "weights");
  if (layers.size() + 1 != sizes.size()) {
    doc.fail(layers.Mark(), fmt::format("'weights' has {} layers, but 'sizes' {} needs {}",
                                        layers.size(), fmt::join(sizes, ", "), sizes.size() - 1));
  }

  engine::NetworkParams params;
  for (std::size_t l = 0; l < layers.size(); ++l) {
    const YAML::Node& layer = layers[l];
    doc.check_keys(layer, "a layer of 'weights'", {"W", "b"}, {"W", "b"});
    int units = sizes[l + 1];
    int inputs = sizes[l];
    YAML::Node rows = doc.sequence(layer, "W");
    if (rows.size() != static_cast<std::size_t>(units)) {
      doc.fail(rows.Mark(),
               fmt::format("'W' has {} rows, but layer {} has {} units", rows.size(), l, units));
    }

    engine::DenseLayer dense{engine::Matrix(units, inputs), engine::Matrix(units, 1)};
    for (int j = 0; j < units; ++j) {
      std::vector<double> row = number_list(doc, rows[j], "a row of 'W'", layer);
      if (row.size() != static_cast<std::size_t>(inputs)) {
        doc.fail(rows[j].Mark(), fmt::format("a row of 'W' has {} entries, but layer {} takes {} "
                                             "inputs",
                                             row.size(), l, inputs));
      }
      for (int i = 0; i < inputs; ++i) {
        dense.W(j, i) = row[i];
      }
    }
    std::vector<double> b = numbers(doc, layer, "b", units, fmt::format("layer {}", l));
    for (int j = 0; j < units; ++j) {
      dense.b(j, 0) = b[j];
    }
    params.push_back(dense);
  }
  return params;
}

std::vector<NetworkPoint> read_points(const YamlDoc& doc, const YAML::Node& node,
                                      const std::string& key, const std::vector<int>& sizes) {
  YAML::Node list = node[key];
  if (!list.IsSequence() || list.size() > kMaxSamples) {
    doc.fail(list.IsDefined() ? list.Mark() : node.Mark(),
             fmt::format("'{}' must be a list of at most {} points {{x: [...], target: [...]}}",
                         key, kMaxSamples));
  }
  std::vector<NetworkPoint> points;
  for (const YAML::Node& item : list) {
    doc.check_keys(item, fmt::format("a point of '{}'", key), {"x", "target"}, {"x", "target"});
    NetworkPoint point;
    point.x = numbers(doc, item, "x", sizes.front(), "the input layer");
    point.target = numbers(doc, item, "target", sizes.back(), "the output layer");
    points.push_back(point);
  }
  return points;
}

NetworkCase read_case(const YamlDoc& doc, const YAML::Node& node) {
  doc.check_keys(node, "a case",
                 {"name", "sizes", "weights", "seed", "learning_rate", "function", "samples",
                  "tests", "epochs", "checkpoint_every"},
                 {"name", "sizes", "learning_rate", "function", "samples", "tests", "epochs",
                  "checkpoint_every"});
  NetworkCase c;
  c.name = doc.text(node, "name");
  c.sizes = read_sizes(doc, node);

  if (node["weights"].IsDefined() == node["seed"].IsDefined()) {
    doc.fail(node.Mark(), "a case needs exactly one of 'weights' and 'seed'");
  }
  if (node["seed"].IsDefined()) {
    c.seed = static_cast<std::uint64_t>(doc.integer(node, "seed", 0, INT64_MAX));
    c.start = engine::random_network(c.sizes, *c.seed);
  } else {
    c.start = read_weights(doc, node, c.sizes);
  }

  c.learning_rate = doc.positive_number(node, "learning_rate");
  c.function = doc.text(node, "function");
  c.samples = read_points(doc, node, "samples", c.sizes);
  if (c.samples.empty()) {
    doc.fail(node["samples"].Mark(), "'samples' must list at least one point");
  }
  c.tests = read_points(doc, node, "tests", c.sizes);
  c.epochs = static_cast<int>(doc.integer(node, "epochs", 0, kMaxEpochs));
  c.checkpoint_every = static_cast<int>(doc.integer(node, "checkpoint_every", 1, kMaxEpochs));
  return c;
}

HiddenNetworks read_hidden(const YamlDoc& doc, const YAML::Node& node,
                           const std::vector<NetworkCase>& cases) {
  std::vector<std::string> common = {"draw", "seed", "count", "base", "epochs", "checkpoint_every"};
  std::vector<std::string> shape_only = {"layers", "width", "x", "target"};
  std::vector<std::string> shape_keys = common;
  shape_keys.insert(shape_keys.end(), shape_only.begin(), shape_only.end());
  doc.check_keys(node, "a group of 'hidden'", shape_keys, common);

  std::string draw = doc.text(node, "draw");
  if (draw != "weights" && draw != "shapes") {
    doc.fail(node["draw"].Mark(),
             fmt::format("'draw' must be 'weights' or 'shapes', not '{}'", draw));
  }
  bool shapes = draw == "shapes";
  if (shapes) {
    doc.check_keys(node, "a group of 'hidden' with 'draw: shapes'", shape_keys, shape_keys);
  }
  for (const std::string& key : shape_only) {
    if (!shapes && node[key].IsDefined()) {
      doc.fail(node[key].Mark(), fmt::format("'{}' needs 'draw: shapes'", key));
    }
  }

  HiddenNetworks hidden;
  hidden.draw = shapes ? HiddenNetworks::Draw::shapes : HiddenNetworks::Draw::weights;
  hidden.seed = static_cast<std::uint64_t>(doc.integer(node, "seed", 0, INT64_MAX));
  hidden.count = static_cast<int>(doc.integer(node, "count", 0, kMaxHiddenCases));
  hidden.base = doc.text(node, "base");
  bool found = false;
  for (const NetworkCase& c : cases) {
    found = found || c.name == hidden.base;
  }
  if (!found) {
    doc.fail(node["base"].Mark(), fmt::format("no public case is named '{}'", hidden.base));
  }
  hidden.epochs = static_cast<int>(doc.integer(node, "epochs", 0, kMaxEpochs));
  hidden.checkpoint_every = static_cast<int>(doc.integer(node, "checkpoint_every", 1, kMaxEpochs));
  if (!shapes) {
    return hidden;
  }
  hidden.layers = int_range(doc, node, "layers", 1, kMaxLayers);
  hidden.width = int_range(doc, node, "width", 1, kMaxWidth);
  hidden.x = doc.range(node, "x");
  hidden.target = doc.range(node, "target");
  return hidden;
}

// Returns a whole number in [range.low, range.high].
int draw_int(Random& random, const HiddenNetworks::IntRange& range) {
  int value =
      range.low + static_cast<int>(std::floor(random.uniform(0, range.high - range.low + 1)));
  return std::min(value, range.high);
}

NetworkCase draw_case(Random& random, const HiddenNetworks& group, const NetworkCase& base) {
  NetworkCase c = base;
  c.hidden = true;
  c.epochs = group.epochs;
  c.checkpoint_every = group.checkpoint_every;
  if (group.draw == HiddenNetworks::Draw::shapes) {
    c.sizes.assign(draw_int(random, group.layers) + 1, 0);
    for (int& size : c.sizes) {
      size = draw_int(random, group.width);
    }
    for (NetworkPoint& sample : c.samples) {
      sample.x.assign(c.sizes.front(), 0);
      sample.target.assign(c.sizes.back(), 0);
      for (double& x : sample.x) {
        x = random.uniform(group.x.low, group.x.high);
      }
      for (double& target : sample.target) {
        target = random.uniform(group.target.low, group.target.high);
      }
    }
    c.tests.clear();
  }
  c.seed = static_cast<std::uint64_t>(std::floor(random.uniform(0, 1e9)));
  c.start = engine::random_network(c.sizes, *c.seed);
  return c;
}

}  // namespace

NetworkSpec parse_network_spec(const YamlDoc& doc) {
  const YAML::Node& root = doc.root();
  NetworkSpec spec;
  for (const YAML::Node& node : doc.sequence(root, "cases")) {
    NetworkCase c = read_case(doc, node);
    for (const NetworkCase& earlier : spec.cases) {
      if (earlier.name == c.name) {
        doc.fail(node["name"].Mark(), fmt::format("duplicate case name '{}'", c.name));
      }
    }
    spec.cases.push_back(c);
  }
  for (const YAML::Node& node : doc.sequence(root, "hidden")) {
    spec.hidden.push_back(read_hidden(doc, node, spec.cases));
  }
  return spec;
}

std::vector<NetworkCase> network_cases(const NetworkSpec& spec) {
  std::vector<NetworkCase> cases = spec.cases;
  int number = 0;
  for (const HiddenNetworks& group : spec.hidden) {
    const NetworkCase* base = nullptr;
    for (const NetworkCase& c : spec.cases) {
      base = c.name == group.base ? &c : base;
    }
    Random random(group.seed);
    for (int i = 0; i < group.count && base; ++i) {
      NetworkCase c = draw_case(random, group, *base);
      c.name = fmt::format("hidden {}", ++number);
      cases.push_back(c);
    }
  }
  return cases;
}

std::vector<int> checkpoint_epochs(const NetworkCase& c) {
  std::vector<int> epochs;
  if (c.epochs <= 0) {
    return epochs;
  }
  epochs.push_back(0);
  for (int epoch = 1; epoch <= c.epochs; ++epoch) {
    if (epoch == 1 || epoch % c.checkpoint_every == 0 || epoch == c.epochs) {
      epochs.push_back(epoch);
    }
  }
  return epochs;
}

std::string network_input(const std::vector<NetworkCase>& cases, double gradient_step) {
  std::string input;
  auto point_line = [](const char* word, const NetworkPoint& point) {
    return fmt::format("{} {:.17g} {:.17g}\n", word, fmt::join(point.x, " "),
                       fmt::join(point.target, " "));
  };
  for (std::size_t id = 0; id < cases.size(); ++id) {
    const NetworkCase& c = cases[id];
    input += fmt::format("case {}\nsizes {}\n", id, fmt::join(c.sizes, " "));
    if (c.seed) {
      input += fmt::format("seed {}\n", *c.seed);
    } else {
      input += "weights";
      for (const engine::DenseLayer& layer : c.start) {
        for (Eigen::Index j = 0; j < layer.W.rows(); ++j) {
          for (Eigen::Index i = 0; i < layer.W.cols(); ++i) {
            input += fmt::format(" {:.17g}", layer.W(j, i));
          }
        }
        for (Eigen::Index j = 0; j < layer.b.rows(); ++j) {
          input += fmt::format(" {:.17g}", layer.b(j, 0));
        }
      }
      input += "\n";
    }
    input += fmt::format("learning_rate {:.17g}\ngradient_step {:.17g}\n", c.learning_rate,
                         gradient_step);
    for (const NetworkPoint& sample : c.samples) {
      input += point_line("sample", sample);
    }
    for (const NetworkPoint& test : c.tests) {
      input += point_line("test", test);
    }
    input +=
        fmt::format("epochs {}\ncheckpoints {}\n", c.epochs, fmt::join(checkpoint_epochs(c), " "));
  }
  return input;
}

namespace {

class NetworkKind : public LessonKind {
 public:
  std::string name() const override { return "network"; }

  std::vector<std::string> keys() const override { return {"cases", "hidden"}; }

  std::shared_ptr<const KindSpec> parse(const YamlDoc& doc) const override {
    return std::make_shared<NetworkSpec>(parse_network_spec(doc));
  }

  std::string harness() const override { return "network_main.cpp"; }

  std::string input(const Lesson& lesson) const override {
    return network_input(network_cases(spec_as<NetworkSpec>(lesson.spec)),
                         lesson.gradient_check.step);
  }

  std::vector<CaseTrace> grade(const Lesson& lesson, const ChannelData& data) const override {
    return grade_network(lesson, network_cases(spec_as<NetworkSpec>(lesson.spec)), data);
  }

  std::vector<CaseName> case_names(const Lesson& lesson) const override {
    return case_names_of(network_cases(spec_as<NetworkSpec>(lesson.spec)));
  }
};

}  // namespace

std::unique_ptr<LessonKind> make_network_kind() { return std::make_unique<NetworkKind>(); }

}  // namespace gradlings::runner
