// The chain-rule lesson kind. Part one is the ice cream example, temperature
// T -> sales -> happiness, where the learner returns both values, both local
// derivatives and their product. Part two is a chain of elementary functions
// u_k = f_k(u_{k-1}) from u_0 = x, where the learner returns every u_k, every
// local derivative f_k'(u_{k-1}) and every running product du_k/dx.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "engine/chain.h"
#include "runner/kind.h"
#include "runner/yaml_doc.h"

namespace gradlings::runner {

/// One temperature of the ice cream example.
struct IceCreamCase {
  std::string name;  // "ice cream at 30 degrees", or "hidden ice cream 3"
  bool hidden = false;
  double temperature = 0;
  double sales_per_degree = 0;
  double happiness_per_sale = 0;
};

/// One chain of elementary functions and the point x it is differentiated at.
struct FunctionChainCase {
  std::string name;  // "sin of a square", or "hidden chain 3"
  bool hidden = false;
  double x = 0;
  std::vector<engine::ChainLink> links;
};

using ChainRuleCase = std::variant<IceCreamCase, FunctionChainCase>;

/// Settings of the hidden ice cream cases. Each number is drawn uniform in its
/// range and rounded to two decimals.
struct HiddenIceCream {
  std::uint64_t seed = 0;
  int count = 0;
  Range temperature;
  Range sales_per_degree;
  Range happiness_per_sale;
};

/// Settings of the hidden chains. The length is uniform in [min_length,
/// max_length] and each link's function uniform among `functions`. x and each
/// constant are uniform in their ranges and rounded to two decimals. A link is
/// drawn again while it would take log of an input below 0.1, make some u_k
/// larger than 20 in size, or make some du_k/dx larger than 1000 in size.
struct HiddenChains {
  std::uint64_t seed = 0;
  int count = 0;
  int min_length = 0;
  int max_length = 0;
  std::vector<engine::ChainFunction> functions;
  Range x;
  Range constant;
};

struct ChainRuleSpec : KindSpec {
  std::vector<IceCreamCase> ice_cream;  // public, in file order
  HiddenIceCream hidden_ice_cream;
  std::vector<FunctionChainCase> chains;  // public, in file order
  HiddenChains hidden_chains;
  std::vector<FunctionChainCase> hidden_chain_cases;  // drawn while parsing, hidden_chains.count of them
};

std::unique_ptr<LessonKind> make_chain_rule_kind();

/// Reads 'ice_cream' and 'chains' from `doc` and draws the hidden chains.
/// Throws Error located at the offending value, including a public chain that
/// takes log of a number that is not positive or whose values are not finite,
/// and hidden settings from which no chain within the limits can be drawn.
ChainRuleSpec parse_chain_rule_spec(const YamlDoc& doc);

/// Returns the public ice cream cases, the public chains, the hidden ice cream
/// cases and the hidden chains, in that order.
std::vector<ChainRuleCase> chain_rule_cases(const ChainRuleSpec& spec);

/// Returns the harness's standard input for `cases`, one line per case, where
/// ID is the index in `cases`:
///   ice ID T SALES_PER_DEGREE HAPPINESS_PER_SALE
///   chain ID X N FUNCTION_1 C_1 ... FUNCTION_N C_N
std::string chain_rule_input(const std::vector<ChainRuleCase>& cases);

/// Returns the name of `function` as lesson.yaml and the harness spell it.
std::string function_name(engine::ChainFunction function);

/// Returns the chain as a formula in x, such as "sin(x^2)". ASCII only.
std::string chain_formula(const std::vector<engine::ChainLink>& links);

/// Builds one trace per case that the harness reported on, in case order.
/// A case the harness never reached gets no trace.
std::vector<CaseTrace> grade_chain_rule(const Lesson& lesson,
                                        const std::vector<ChainRuleCase>& cases,
                                        const ChannelData& data);

}  // namespace gradlings::runner
