#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>
#include <variant>

#include "runner/kinds/chain.h"
#include "runner/lesson.h"
#include "runner/random.h"
#include "runner/text.h"

namespace gradlings::runner {

namespace {

using engine::ChainFunction;
using engine::ChainLink;

constexpr int kMaxHiddenCases = 1'000;
constexpr int kMaxLinks = 50;

// Limits on hidden chains, so that every value and derivative stays in a range
// where the reference, the learner's code and central differences agree.
constexpr double kMinLogInput = 0.1;
constexpr double kMaxValue = 20;
constexpr double kMaxDerivative = 1'000;
constexpr double kMinScale = 0.1;
constexpr int kLinkAttempts = 50;
constexpr int kChainAttempts = 1'000;

const std::vector<std::pair<std::string, ChainFunction>>& function_table() {
  static const std::vector<std::pair<std::string, ChainFunction>> table = {
      {"square", ChainFunction::square}, {"sin", ChainFunction::sin},
      {"cos", ChainFunction::cos},       {"exp", ChainFunction::exp},
      {"log", ChainFunction::log},       {"sigmoid", ChainFunction::sigmoid},
      {"tanh", ChainFunction::tanh},     {"scale", ChainFunction::scale},
      {"add", ChainFunction::add}};
  return table;
}

std::vector<std::string> function_names() {
  std::vector<std::string> names;
  for (const auto& [name, function] : function_table()) {
    names.push_back(name);
  }
  return names;
}

bool has_constant(ChainFunction function) {
  return function == ChainFunction::scale || function == ChainFunction::add;
}

ChainFunction read_function(const YamlDoc& doc, const YAML::Node& node, const std::string& name) {
  for (const auto& [known, function] : function_table()) {
    if (known == name) {
      return function;
    }
  }
  doc.fail(node.Mark(), fmt::format("unknown function '{}'{} (the functions are {})", name,
                                    did_you_mean(name, function_names()),
                                    fmt::join(function_names(), ", ")));
}

// A link is a function name, such as `sin`, or for scale and add a map from
// the name to the constant, such as `{scale: 3}`.
ChainLink read_link(const YamlDoc& doc, const YAML::Node& node) {
  ChainLink link;
  if (node.IsScalar()) {
    link.function = read_function(doc, node, node.Scalar());
    if (has_constant(link.function)) {
      doc.fail(node.Mark(), fmt::format("'{0}' needs a constant, written as {{{0}: 2}}",
                                        node.Scalar()));
    }
    return link;
  }
  if (!node.IsMap() || node.size() != 1) {
    doc.fail(node.Mark(), "a link must be a function name such as 'sin', or {scale: C} or {add: C}");
  }
  doc.check_keys(node, "a link", {"scale", "add"}, {});
  std::string name = node.begin()->first.Scalar();
  link.function = read_function(doc, node, name);
  link.constant = doc.number(node, name);
  return link;
}

// Evaluates a public chain with the reference, so that a chain the lesson
// cannot grade stops the load at the link to blame.
void check_chain(const YamlDoc& doc, const YAML::Node& links_node, const FunctionChainCase& c) {
  std::vector<engine::ChainLinkValues> values = engine::chain_values(c.links, c.x);
  double input = c.x;
  for (std::size_t k = 0; k < c.links.size(); ++k) {
    const YAML::Node link = links_node[k];
    if (c.links[k].function == ChainFunction::log && !(input > 0)) {
      doc.fail(link.Mark(), fmt::format("log needs a positive input, but u{} is {:g} at x = {:g} "
                                        "(change 'x' or a link before the log)",
                                        k, input, c.x));
    }
    if (!std::isfinite(values[k].u) || !std::isfinite(values[k].du_dx)) {
      doc.fail(link.Mark(), fmt::format("link {} overflows at x = {:g}, because u{} is {:g} and "
                                        "du{}/dx is {:g} (use a smaller 'x' or fewer links)",
                                        k + 1, c.x, k + 1, values[k].u, k + 1, values[k].du_dx));
    }
    input = values[k].u;
  }
}

IceCreamCase read_ice_cream_case(const YamlDoc& doc, const YAML::Node& node) {
  std::vector<std::string> keys = {"name", "temperature", "sales_per_degree", "happiness_per_sale"};
  doc.check_keys(node, "an ice cream case", keys, keys);
  IceCreamCase c;
  c.name = doc.text(node, "name");
  c.temperature = doc.number(node, "temperature");
  c.sales_per_degree = doc.number(node, "sales_per_degree");
  c.happiness_per_sale = doc.number(node, "happiness_per_sale");
  return c;
}

FunctionChainCase read_chain_case(const YamlDoc& doc, const YAML::Node& node) {
  std::vector<std::string> keys = {"name", "x", "links"};
  doc.check_keys(node, "a chain", keys, keys);
  FunctionChainCase c;
  c.name = doc.text(node, "name");
  c.x = doc.number(node, "x");
  YAML::Node links = doc.sequence(node, "links");
  if (links.size() > kMaxLinks) {
    doc.fail(links.Mark(), fmt::format("'links' must have at most {} links, not {}", kMaxLinks,
                                       links.size()));
  }
  for (const YAML::Node& link : links) {
    c.links.push_back(read_link(doc, link));
  }
  check_chain(doc, links, c);
  return c;
}

HiddenIceCream read_hidden_ice_cream(const YamlDoc& doc, const YAML::Node& node) {
  std::vector<std::string> keys = {"seed", "count", "temperature", "sales_per_degree",
                                   "happiness_per_sale"};
  doc.check_keys(node, "'hidden' of 'ice_cream'", keys, keys);
  HiddenIceCream hidden;
  hidden.seed = static_cast<std::uint64_t>(doc.integer(node, "seed", 0, INT64_MAX));
  hidden.count = static_cast<int>(doc.integer(node, "count", 0, kMaxHiddenCases));
  hidden.temperature = doc.range(node, "temperature");
  hidden.sales_per_degree = doc.range(node, "sales_per_degree");
  hidden.happiness_per_sale = doc.range(node, "happiness_per_sale");
  return hidden;
}

HiddenChains read_hidden_chains(const YamlDoc& doc, const YAML::Node& node) {
  std::vector<std::string> keys = {"seed",      "count", "min_length", "max_length",
                                   "functions", "x",     "constant"};
  doc.check_keys(node, "'hidden' of 'chains'", keys, keys);
  HiddenChains hidden;
  hidden.seed = static_cast<std::uint64_t>(doc.integer(node, "seed", 0, INT64_MAX));
  hidden.count = static_cast<int>(doc.integer(node, "count", 0, kMaxHiddenCases));
  hidden.min_length = static_cast<int>(doc.integer(node, "min_length", 1, kMaxLinks));
  hidden.max_length = static_cast<int>(doc.integer(node, "max_length", hidden.min_length, kMaxLinks));

  YAML::Node functions = doc.sequence(node, "functions");
  if (functions.size() == 0) {
    doc.fail(functions.Mark(), "'functions' must name at least one function");
  }
  for (const YAML::Node& item : functions) {
    if (!item.IsScalar()) {
      doc.fail(item.Mark(), "each entry of 'functions' must be a function name such as 'sin'");
    }
    hidden.functions.push_back(read_function(doc, item, item.Scalar()));
  }
  hidden.x = doc.range(node, "x");
  hidden.constant = doc.range(node, "constant");
  return hidden;
}

double round_to_hundredths(double value) { return std::round(value * 100) / 100; }

// Returns whether every link of `links` keeps within the limits above at x.
bool within_limits(const std::vector<ChainLink>& links, double x) {
  std::vector<engine::ChainLinkValues> values = engine::chain_values(links, x);
  double input = x;
  for (std::size_t k = 0; k < links.size(); ++k) {
    const ChainLink& link = links[k];
    if (link.function == ChainFunction::log && !(input >= kMinLogInput)) {
      return false;
    }
    if (link.function == ChainFunction::scale && !(std::abs(link.constant) >= kMinScale)) {
      return false;
    }
    if (!(std::abs(values[k].u) <= kMaxValue) || !(std::abs(values[k].du_dx) <= kMaxDerivative)) {
      return false;
    }
    input = values[k].u;
  }
  return true;
}

ChainLink draw_link(Random& random, const HiddenChains& hidden) {
  double pick = random.uniform(0, static_cast<double>(hidden.functions.size()));
  std::size_t index = std::min(static_cast<std::size_t>(pick), hidden.functions.size() - 1);
  ChainLink link;
  link.function = hidden.functions[index];
  if (has_constant(link.function)) {
    link.constant = round_to_hundredths(random.uniform(hidden.constant.low, hidden.constant.high));
  }
  return link;
}

// Draws one chain link by link, drawing a link again while it breaks the
// limits. Returns false when some position has no acceptable link.
bool draw_chain(Random& random, const HiddenChains& hidden, FunctionChainCase& c) {
  c.x = round_to_hundredths(random.uniform(hidden.x.low, hidden.x.high));
  int span = hidden.max_length - hidden.min_length + 1;
  int length = hidden.min_length + std::min(static_cast<int>(random.uniform(0, span)), span - 1);
  c.links.clear();

  while (static_cast<int>(c.links.size()) < length) {
    bool drawn = false;
    for (int attempt = 0; attempt < kLinkAttempts && !drawn; ++attempt) {
      c.links.push_back(draw_link(random, hidden));
      drawn = within_limits(c.links, c.x);
      if (!drawn) {
        c.links.pop_back();
      }
    }
    if (!drawn) {
      return false;
    }
  }
  return true;
}

// Returns the hidden chains, or fewer than hidden.count when some chain
// could not be drawn within the limits.
std::vector<FunctionChainCase> draw_hidden_chains(const HiddenChains& hidden) {
  Random random(hidden.seed);
  std::vector<FunctionChainCase> cases;
  for (int i = 1; i <= hidden.count; ++i) {
    FunctionChainCase c;
    c.name = fmt::format("hidden chain {}", i);
    c.hidden = true;
    bool drawn = false;
    for (int attempt = 0; attempt < kChainAttempts && !drawn; ++attempt) {
      drawn = draw_chain(random, hidden, c);
    }
    if (!drawn) {
      break;
    }
    cases.push_back(c);
  }
  return cases;
}

}  // namespace

std::string function_name(ChainFunction function) {
  for (const auto& [name, known] : function_table()) {
    if (known == function) {
      return name;
    }
  }
  return "?";
}

ChainRuleSpec parse_chain_rule_spec(const YamlDoc& doc) {
  const YAML::Node& root = doc.root();
  ChainRuleSpec spec;
  std::vector<std::string> part_keys = {"cases", "hidden"};
  std::vector<std::string> names;
  auto check_unique = [&](const YAML::Node& node, const std::string& name) {
    if (std::find(names.begin(), names.end(), name) != names.end()) {
      doc.fail(node["name"].Mark(), fmt::format("duplicate case name '{}'", name));
    }
    names.push_back(name);
  };

  YAML::Node ice_cream = root["ice_cream"];
  doc.check_keys(ice_cream, "'ice_cream'", part_keys, part_keys);
  for (const YAML::Node& node : doc.sequence(ice_cream, "cases")) {
    spec.ice_cream.push_back(read_ice_cream_case(doc, node));
    check_unique(node, spec.ice_cream.back().name);
  }
  spec.hidden_ice_cream = read_hidden_ice_cream(doc, ice_cream["hidden"]);

  YAML::Node chains = root["chains"];
  doc.check_keys(chains, "'chains'", part_keys, part_keys);
  for (const YAML::Node& node : doc.sequence(chains, "cases")) {
    spec.chains.push_back(read_chain_case(doc, node));
    check_unique(node, spec.chains.back().name);
  }
  YAML::Node hidden = chains["hidden"];
  spec.hidden_chains = read_hidden_chains(doc, hidden);
  spec.hidden_chain_cases = draw_hidden_chains(spec.hidden_chains);
  if (static_cast<int>(spec.hidden_chain_cases.size()) < spec.hidden_chains.count) {
    doc.fail(hidden.Mark(), fmt::format("cannot draw {} hidden chains within the limits (log of "
                                        "at least {}, values up to {}, derivatives up to {}): "
                                        "widen 'functions' or narrow 'x' and 'constant'",
                                        spec.hidden_chains.count, kMinLogInput, kMaxValue,
                                        kMaxDerivative));
  }
  return spec;
}

}  // namespace gradlings::runner

namespace gradlings::runner {

std::vector<ChainRuleCase> chain_rule_cases(const ChainRuleSpec& spec) {
  std::vector<ChainRuleCase> cases(spec.ice_cream.begin(), spec.ice_cream.end());
  cases.insert(cases.end(), spec.chains.begin(), spec.chains.end());

  const HiddenIceCream& hidden = spec.hidden_ice_cream;
  Random random(hidden.seed);
  for (int i = 1; i <= hidden.count; ++i) {
    IceCreamCase c;
    c.name = fmt::format("hidden ice cream {}", i);
    c.hidden = true;
    c.temperature = round_to_hundredths(random.uniform(hidden.temperature.low, hidden.temperature.high));
    c.sales_per_degree =
        round_to_hundredths(random.uniform(hidden.sales_per_degree.low, hidden.sales_per_degree.high));
    c.happiness_per_sale = round_to_hundredths(
        random.uniform(hidden.happiness_per_sale.low, hidden.happiness_per_sale.high));
    cases.push_back(c);
  }

  cases.insert(cases.end(), spec.hidden_chain_cases.begin(), spec.hidden_chain_cases.end());
  return cases;
}

std::string chain_rule_input(const std::vector<ChainRuleCase>& cases) {
  std::string input;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    if (const auto* ice = std::get_if<IceCreamCase>(&cases[i])) {
      input += fmt::format("ice {} {:.17g} {:.17g} {:.17g}\n", i, ice->temperature,
                           ice->sales_per_degree, ice->happiness_per_sale);
      continue;
    }
    const auto& chain = std::get<FunctionChainCase>(cases[i]);
    input += fmt::format("chain {} {:.17g} {}", i, chain.x, chain.links.size());
    for (const ChainLink& link : chain.links) {
      input += fmt::format(" {} {:.17g}", function_name(link.function), link.constant);
    }
    input += "\n";
  }
  return input;
}

namespace {

class ChainRuleKind : public LessonKind {
 public:
  std::string name() const override { return "chain-rule"; }

  std::vector<std::string> keys() const override { return {"ice_cream", "chains"}; }

  std::shared_ptr<const KindSpec> parse(const YamlDoc& doc) const override {
    return std::make_shared<ChainRuleSpec>(parse_chain_rule_spec(doc));
  }

  std::string harness() const override { return "chain_rule_main.cpp"; }

  std::string input(const Lesson& lesson) const override {
    return chain_rule_input(chain_rule_cases(spec_as<ChainRuleSpec>(lesson.spec)));
  }

  std::vector<CaseTrace> grade(const Lesson& lesson, const ChannelData& data) const override {
    return grade_chain_rule(lesson, chain_rule_cases(spec_as<ChainRuleSpec>(lesson.spec)), data);
  }

  std::vector<CaseName> case_names(const Lesson& lesson) const override {
    std::vector<CaseName> names;
    for (const ChainRuleCase& c : chain_rule_cases(spec_as<ChainRuleSpec>(lesson.spec))) {
      names.push_back(std::visit([](const auto& one) { return CaseName{one.name, one.hidden}; }, c));
    }
    return names;
  }
};

}  // namespace

std::unique_ptr<LessonKind> make_chain_rule_kind() { return std::make_unique<ChainRuleKind>(); }

}  // namespace gradlings::runner
