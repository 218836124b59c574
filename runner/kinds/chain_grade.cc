#include <fmt/format.h>

#include <cmath>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/chain.h"
#include "engine/gradcheck.h"
#include "runner/grader.h"
#include "runner/kinds/chain.h"
#include "runner/lesson.h"

namespace gradlings::runner {

namespace {

using engine::ChainFunction;
using engine::ChainLink;

// A formula filled in twice. `yours` uses the learner's inputs and is shown
// beside a right value. `expected` uses the reference's inputs and is shown
// beside the expected value when the learner's is wrong. Either may be empty.
struct Formula {
  std::string yours;
  std::string expected;
};

// Checks values against the reference engine or against central differences.
class Checker {
 public:
  Checker(const Lesson& lesson, CaseGrader& grader) : lesson_(lesson), grader_(grader) {}

  void reference(Section& section, const std::string& where, std::string label, Formula formula,
                 std::string note, std::optional<double> actual, double expected) {
    Check c;
    c.label = std::move(label);
    c.formula = std::move(formula.yours);
    c.expected_formula = std::move(formula.expected);
    c.note = std::move(note);
    c.actual = actual;
    c.expected = expected;
    grader_.check(section, std::move(c), lesson_.tolerance, where);
  }

  // Checks `actual` against the central difference `numerical`, at the
  // tolerance of gradient_check.
  void numerical(Section& section, const std::string& where, std::string label,
                 std::optional<double> actual, double numerical) {
    Check c;
    c.label = std::move(label);
    c.actual = actual;
    c.expected = numerical;
    c.expected_source = "central difference";
    c.note = fmt::format("numerically {:.6f}", numerical);
    if (actual) {
      c.note += fmt::format(", relative error {:.1e}", engine::relative_error(*actual, numerical));
    }
    grader_.check(section, std::move(c), lesson_.gradient_check.tolerance, where);
  }

  double central_difference(const std::function<double(double)>& f, double at) const {
    auto wrapped = [&](const std::vector<engine::Matrix>& p) { return f(p[0](0, 0)); };
    return engine::numerical_gradient(wrapped, {engine::Matrix::Constant(1, 1, at)},
                                      lesson_.gradient_check.step)[0](0, 0);
  }

 private:
  const Lesson& lesson_;
  CaseGrader& grader_;
};

TraceLine text_line(std::string text) { return {std::move(text), std::nullopt, std::nullopt}; }

CaseTrace start_trace(const std::string& name, bool hidden, std::string setup,
                      const CaseRecords& records) {
  CaseTrace trace;
  trace.name = name;
  trace.hidden = hidden;
  trace.setup = std::move(setup);
  trace.stop = records.stop;
  if (records.stop) {
    trace.passed = false;
  }
  return trace;
}

// "-1.2" in parentheses, so that a square or a product reads unambiguously.
std::string operand(const std::string& value) {
  return value.starts_with("-") ? "(" + value + ")" : value;
}

// "0.100 × 10.000", with a negative second factor in parentheses.
std::string product_text(std::optional<double> a, std::optional<double> b) {
  return three_decimals(a) + " × " + operand(three_decimals(b));
}

CaseTrace grade_ice_cream(const Lesson& lesson, const IceCreamCase& c, const CaseRecords& records) {
  CaseTrace trace =
      start_trace(c.name, c.hidden,
                  fmt::format("T = {:g} degrees, {:g} sales per degree, {:g} happiness per sale",
                              c.temperature, c.sales_per_degree, c.happiness_per_sale),
                  records);
  if (records.steps.empty() || !records.steps[0].find("sales")) {
    return trace;
  }
  auto v = [&](const char* name) { return records.steps[0].find(name); };
  CaseGrader grader(trace);
  Checker checker(lesson, grader);
  engine::IceCreamValues r =
      engine::ice_cream_values(c.temperature, c.sales_per_degree, c.happiness_per_sale);

  Section forward{"Forward pass: temperature → ice cream sales → happiness", {}};
  forward.lines.push_back(text_line(fmt::format("temperature T = {:g} degrees", c.temperature)));
  std::string sales = fmt::format("{:g} × {:g}", c.sales_per_degree, c.temperature);
  checker.reference(forward, "forward pass", "ice cream sales", {sales, sales}, "", v("sales"),
                    r.sales);
  auto happiness = [&](std::optional<double> sales_value) {
    return fmt::format("{:g} × {}", c.happiness_per_sale, three_decimals(sales_value));
  };
  checker.reference(forward, "forward pass", "happiness",
                    {happiness(v("sales")), happiness(r.sales)}, "", v("happiness"), r.happiness);
  trace.sections.push_back(forward);

  Section chain{"Chain rule calculation", {}};
  checker.reference(chain, "chain rule", "happiness per sale", {}, "dhappiness/dsales",
                    v("dhappiness_dsales"), r.dhappiness_dsales);
  checker.reference(chain, "chain rule", "sales per degree", {}, "dsales/dT", v("dsales_dT"),
                    r.dsales_dT);
  Formula product{product_text(v("dhappiness_dsales"), v("dsales_dT")),
                  product_text(r.dhappiness_dsales, r.dsales_dT)};
  checker.reference(chain, "chain rule", "happiness per degree", product,
                    "dhappiness/dT = dhappiness/dsales × dsales/dT", v("dhappiness_dT"),
                    r.dhappiness_dT);
  chain.lines.push_back(text_line(
      fmt::format("1 degree warmer → {} more happiness", three_decimals(v("dhappiness_dT")))));
  trace.sections.push_back(chain);

  Section check{"Gradient check (central differences of happiness at T)", {}};
  double numerical = checker.central_difference(
      [&](double t) {
        return engine::ice_cream_happiness(t, c.sales_per_degree, c.happiness_per_sale);
      },
      c.temperature);
  checker.numerical(check, "gradient check", "dhappiness/dT", v("dhappiness_dT"), numerical);
  trace.sections.push_back(check);
  return trace;
}

// The link applied to `input`, which is "u1" or a number.
std::string apply_text(const ChainLink& link, const std::string& input) {
  switch (link.function) {
    case ChainFunction::square:
      return operand(input) + "²";
    case ChainFunction::scale:
      return fmt::format("{:g} × {}", link.constant, operand(input));
    case ChainFunction::add:
      return link.constant < 0 ? fmt::format("{} − {:g}", input, -link.constant)
                               : fmt::format("{} + {:g}", input, link.constant);
    default:
      return fmt::format("{}({})", function_name(link.function), input);
  }
}

// The link's derivative at `input`, which is "u1" or a number.
std::string derivative_text(const ChainLink& link, const std::string& input) {
  switch (link.function) {
    case ChainFunction::square:
      return "2 × " + input;
    case ChainFunction::sin:
      return fmt::format("cos({})", input);
    case ChainFunction::cos:
      return fmt::format("−sin({})", input);
    case ChainFunction::exp:
      return fmt::format("exp({})", input);
    case ChainFunction::log:
      return "1 / " + input;
    case ChainFunction::sigmoid:
      return fmt::format("sigmoid({0}) × (1 − sigmoid({0}))", input);
    case ChainFunction::tanh:
      return fmt::format("1 − tanh({})²", input);
    case ChainFunction::scale:
      return fmt::format("{:g}", link.constant);
    case ChainFunction::add:
      return "1";
  }
  return "?";
}

bool has_constant_slope(ChainFunction function) {
  return function == ChainFunction::scale || function == ChainFunction::add;
}

struct ChainContext {
  const FunctionChainCase& c;
  const StepValues& learner;
  const std::vector<engine::ChainLinkValues>& reference;

  std::optional<double> find(const std::string& name) const { return learner.find(name); }

  // The learner's u_k, where u_0 is the case's x.
  std::optional<double> u(std::size_t k) const {
    return k == 0 ? std::optional<double>(c.x) : find(fmt::format("u{}", k));
  }

  // The reference's u_k.
  double reference_u(std::size_t k) const { return k == 0 ? c.x : reference[k - 1].u; }
};

Section chain_forward(Checker& checker, const ChainContext& s) {
  Section section{"Forward pass", {}};
  section.lines.push_back(text_line(fmt::format("u0 = x = {:.3f}", s.c.x)));
  for (std::size_t k = 1; k <= s.c.links.size(); ++k) {
    const ChainLink& link = s.c.links[k - 1];
    std::string symbolic = apply_text(link, fmt::format("u{}", k - 1)) + " = ";
    Formula formula{symbolic + apply_text(link, three_decimals(s.u(k - 1))),
                    symbolic + apply_text(link, three_decimals(s.reference_u(k - 1)))};
    checker.reference(section, "forward pass", fmt::format("u{}", k), formula, "", s.u(k),
                      s.reference[k - 1].u);
  }

  std::optional<double> steps = s.find("steps");
  double expected = static_cast<double>(s.c.links.size());
  if (steps && *steps != expected) {
    checker.reference(section, "forward pass", "number of steps", {}, "one ChainStep per link",
                      steps, expected);
  }
  return section;
}

Section chain_backward(Checker& checker, const ChainContext& s) {
  Section section{"Backward pass (chain rule)", {}};
  for (std::size_t k = 1; k <= s.c.links.size(); ++k) {
    const ChainLink& link = s.c.links[k - 1];
    std::string input = fmt::format("u{}", k - 1);
    std::optional<double> local = s.find(fmt::format("local{}", k));
    std::string note = has_constant_slope(link.function)
                           ? "the same at every input"
                           : fmt::format("at {} = {}", input, three_decimals(s.u(k - 1)));
    Formula derivative{derivative_text(link, input),
                       derivative_text(link, three_decimals(s.reference_u(k - 1)))};
    checker.reference(section, "backward pass", fmt::format("du{}/du{}", k, k - 1), derivative,
                      note, local, s.reference[k - 1].local);

    std::optional<double> previous =
        k == 1 ? std::optional<double>(1.0) : s.find(fmt::format("du{}_dx", k - 1));
    double reference_previous = k == 1 ? 1.0 : s.reference[k - 2].du_dx;
    std::string symbolic = fmt::format("du{0}/du{1} × du{1}/dx = ", k, k - 1);
    Formula formula{symbolic + product_text(local, previous),
                    symbolic + product_text(s.reference[k - 1].local, reference_previous)};
    checker.reference(section, "backward pass", fmt::format("du{}/dx", k), formula,
                      k == 1 ? "du0/dx = 1, since u0 = x" : "", s.find(fmt::format("du{}_dx", k)),
                      s.reference[k - 1].du_dx);
  }
  return section;
}

CaseTrace grade_chain(const Lesson& lesson, const FunctionChainCase& c,
                      const CaseRecords& records) {
  CaseTrace trace = start_trace(
      c.name, c.hidden, fmt::format("x = {:g}, f(x) = {}", c.x, chain_formula(c.links)), records);
  if (records.steps.empty() || !records.steps[0].find("steps")) {
    return trace;
  }
  CaseGrader grader(trace);
  Checker checker(lesson, grader);
  std::vector<engine::ChainLinkValues> reference = engine::chain_values(c.links, c.x);
  ChainContext s{c, records.steps[0], reference};

  trace.sections.push_back(chain_forward(checker, s));
  trace.sections.push_back(chain_backward(checker, s));

  Section check{"Gradient check (central differences of the whole chain at x)", {}};
  std::size_t n = c.links.size();
  double numerical =
      checker.central_difference([&](double x) { return engine::chain_output(c.links, x); }, c.x);
  checker.numerical(check, "gradient check", fmt::format("du{}/dx", n),
                    s.find(fmt::format("du{}_dx", n)), numerical);
  trace.sections.push_back(check);
  return trace;
}

}  // namespace

std::string chain_formula(const std::vector<ChainLink>& links) {
  // Precedence of the text so far: 2 for x, a call or a power, 1 for a
  // product, 0 for a sum. A square of a product or sum needs parentheses.
  std::string text = "x";
  int precedence = 2;
  for (const ChainLink& link : links) {
    switch (link.function) {
      case ChainFunction::square:
        text = (precedence == 2 ? text : "(" + text + ")") + "^2";
        precedence = 2;
        break;
      case ChainFunction::scale:
        text = fmt::format("{:g} * {}", link.constant, precedence >= 1 ? text : "(" + text + ")");
        precedence = 1;
        break;
      case ChainFunction::add:
        text = link.constant < 0 ? fmt::format("{} - {:g}", text, -link.constant)
                                 : fmt::format("{} + {:g}", text, link.constant);
        precedence = 0;
        break;
      default:
        text = fmt::format("{}({})", function_name(link.function), text);
        precedence = 2;
        break;
    }
  }
  return text;
}

std::vector<CaseTrace> grade_chain_rule(const Lesson& lesson,
                                        const std::vector<ChainRuleCase>& cases,
                                        const ChannelData& data) {
  return grade_reported_cases(cases, data, [&](const ChainRuleCase& c, const CaseRecords& records) {
    if (const auto* ice = std::get_if<IceCreamCase>(&c)) {
      return grade_ice_cream(lesson, *ice, records);
    }
    return grade_chain(lesson, std::get<FunctionChainCase>(c), records);
  });
}

}  // namespace gradlings::runner
