// The harness of the chain-rule lessons. It reads the cases from standard
// input, one per line, in either form:
//
//   ice ID T SALES_PER_DEGREE HAPPINESS_PER_SALE
//   chain ID X N FUNCTION_1 C_1 ... FUNCTION_N C_N
//
// where each FUNCTION is a name such as "sin" or "scale" and C its constant
// (0 for functions without one). It calls the learner's functions on each
// case and sends every value through the channel (see channel.h) as step 1.
#include <cstdio>
#include <exception>
#include <iostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "chain_rule.h"
#include "harness.h"

namespace {

namespace channel = gradlings::channel;
using gradlings::harness::run_stage;
using gradlings::harness::StageResult;

struct Case {
  bool is_chain = false;
  std::string id;
  double T = 0;
  double sales_per_degree = 0;
  double happiness_per_sale = 0;
  double x = 0;
  std::vector<Link> chain;
};

bool read_function(const std::string& name, Function& f) {
  const std::pair<const char*, Function> names[] = {
      {"square", Function::square}, {"sin", Function::sin},         {"cos", Function::cos},
      {"exp", Function::exp},       {"log", Function::log},         {"sigmoid", Function::sigmoid},
      {"tanh", Function::tanh},     {"scale", Function::scale},     {"add", Function::add}};
  for (const auto& [text, function] : names) {
    if (name == text) {
      f = function;
      return true;
    }
  }
  return false;
}

bool read_chain(std::istringstream& fields, Case& c) {
  int count = 0;
  fields >> c.x >> count;
  for (int i = 0; i < count && fields; ++i) {
    std::string name;
    Link link;
    fields >> name >> link.c;
    if (!read_function(name, link.f)) {
      return false;
    }
    c.chain.push_back(link);
  }
  return static_cast<bool>(fields);
}

std::vector<Case> read_cases() {
  std::vector<Case> cases;
  for (const std::string& line : gradlings::harness::read_input_lines()) {
    std::istringstream fields(line);
    std::string word;
    Case c;
    fields >> word >> c.id;
    if (word == "ice") {
      fields >> c.T >> c.sales_per_degree >> c.happiness_per_sale;
      if (fields) {
        cases.push_back(c);
      }
    } else if (word == "chain") {
      c.is_chain = true;
      if (read_chain(fields, c)) {
        cases.push_back(c);
      }
    }
  }
  return cases;
}

// Calls every function once on placeholder inputs, so the runner can list all
// the functions still to be written, not only the first.
void probe_missing_functions() {
  Link square;
  run_stage("ice_cream", [] { ice_cream(30, 10, 0.1); });
  run_stage("link_value", [&] { link_value(square, 1.5); });
  run_stage("link_derivative", [&] { link_derivative(square, 1.5); });
  run_stage("chain_rule", [&] { chain_rule({square}, 1.5); });
}

StageResult run_ice_cream(const Case& c) {
  return run_stage("ice_cream", [&] {
    IceCream v = ice_cream(c.T, c.sales_per_degree, c.happiness_per_sale);
    channel::value("sales", v.sales);
    channel::value("happiness", v.happiness);
    channel::value("dhappiness_dsales", v.dhappiness_dsales);
    channel::value("dsales_dT", v.dsales_dT);
    channel::value("dhappiness_dT", v.dhappiness_dT);
  });
}

// Runs the chain with the learner's link functions alone before chain_rule(),
// sending nothing, so that a missing link function is reported under its own
// name, and the missing functions come in the order of chain_rule.h.
StageResult run_link_functions(const Case& c) {
  std::vector<double> inputs = {c.x};
  StageResult result = run_stage("link_value", [&] {
    for (const Link& link : c.chain) {
      inputs.push_back(link_value(link, inputs.back()));
    }
  });
  if (result != StageResult::completed) {
    return result;
  }
  return run_stage("link_derivative", [&] {
    for (std::size_t k = 0; k < c.chain.size(); ++k) {
      link_derivative(c.chain[k], inputs[k]);
    }
  });
}

StageResult run_chain(const Case& c) {
  StageResult result = run_link_functions(c);
  if (result != StageResult::completed) {
    return result;
  }
  return run_stage("chain_rule", [&] {
    std::vector<ChainStep> steps = chain_rule(c.chain, c.x);
    channel::value("steps", static_cast<double>(steps.size()));
    for (std::size_t k = 1; k <= steps.size(); ++k) {
      const ChainStep& step = steps[k - 1];
      std::string index = std::to_string(k);
      channel::value("u" + index, step.u);
      channel::value("local" + index, step.local);
      channel::value("du" + index + "_dx", step.du_dx);
    }
  });
}

}  // namespace

int main() {
  std::vector<Case> cases = read_cases();

  // A missing function stops every case of its part at the same place, so
  // the rest of that part is skipped. The other part still runs, and at the
  // end the probe lists every missing function.
  bool ice_cream_missing = false;
  bool chain_missing = false;
  for (const Case& c : cases) {
    bool& missing = c.is_chain ? chain_missing : ice_cream_missing;
    if (missing) {
      continue;
    }
    channel::record("case", c.id);
    channel::record("step", "1");
    StageResult result = c.is_chain ? run_chain(c) : run_ice_cream(c);
    missing = result == StageResult::missing;
  }

  if (ice_cream_missing || chain_missing) {
    channel::record("probe");
    probe_missing_functions();
  }
  channel::record("end");
  channel::flush();
  return 0;
}
