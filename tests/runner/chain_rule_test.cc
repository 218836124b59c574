// Lesson 1 and the chain-rule kind: its lesson.yaml keys, the hidden chains
// drawn from the seed, the harness input, and the shipped solution, the stub
// and typical mistakes compiled and run exactly as `runner lesson 1` does.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <ostream>

#include "engine/chain.h"
#include "runner/check.h"
#include "runner/kinds/chain.h"
#include "runner/lesson.h"
#include "runner/report.h"
#include "tests/runner/lesson_support.h"

namespace gradlings::runner {
namespace {

using namespace lesson_support;
using engine::ChainFunction;
using engine::ChainLink;

const fs::path kLessonDir = kRoot / "lessons" / "01-chain-rule";
const fs::path kSolution = kRoot / "solutions" / "01-chain-rule" / "exercise.cpp";

const char* const kValidSpec = R"(ice_cream:
  cases:
    - name: warm
      temperature: 30
      sales_per_degree: 10
      happiness_per_sale: 0.1
  hidden:
    seed: 1
    count: 3
    temperature: [-10, 40]
    sales_per_degree: [1, 20]
    happiness_per_sale: [0.01, 0.5]
chains:
  cases:
    - name: sin of a square
      x: 1.5
      links: [square, sin]
    - name: scaled
      x: 0.5
      links: [{scale: 3}, {add: -1}, log]
  hidden:
    seed: 2
    count: 40
    min_length: 2
    max_length: 6
    functions: [square, sin, cos, exp, log, sigmoid, tanh, scale, add]
    x: [-2, 2]
    constant: [-3, 3]
)";

ChainRuleSpec parse_spec(const std::string& text) {
  return parse_chain_rule_spec(YamlDoc::parse(text, "lesson.yaml"));
}

// Returns the message of parsing `text`, or "" when it parses.
std::string spec_error(const std::string& text) {
  return error_message([&] { parse_spec(text); });
}

// Returns the valid spec with the first `from` replaced by `to`.
std::string edited(const std::string& from, const std::string& to) {
  return replace_first(kValidSpec, from, to);
}

TEST(ChainRuleSpec, ValidSpecParses) {
  ASSERT_EQ("", spec_error(kValidSpec));
  ChainRuleSpec spec = parse_spec(kValidSpec);
  ASSERT_EQ(1u, spec.ice_cream.size());
  EXPECT_EQ(30, spec.ice_cream[0].temperature);
  EXPECT_EQ(0.1, spec.ice_cream[0].happiness_per_sale);
  ASSERT_EQ(2u, spec.chains.size());
  ASSERT_EQ(3u, spec.chains[1].links.size());
  EXPECT_EQ(ChainFunction::scale, spec.chains[1].links[0].function);
  EXPECT_EQ(3.0, spec.chains[1].links[0].constant);
  EXPECT_EQ(ChainFunction::add, spec.chains[1].links[1].function);
  EXPECT_EQ(-1.0, spec.chains[1].links[1].constant);
  EXPECT_EQ(ChainFunction::log, spec.chains[1].links[2].function);
  EXPECT_EQ(9u, spec.hidden_chains.functions.size());
}

TEST(ChainRuleSpec, KindIsRegistered) {
  const LessonKind* kind = find_kind("chain-rule");
  ASSERT_NE(nullptr, kind);
  EXPECT_EQ((std::vector<std::string>{"ice_cream", "chains"}), kind->keys());
  EXPECT_EQ("chain_rule_main.cpp", kind->harness());
}

TEST(ChainRuleSpec, UnknownFunctionSuggestsClosest) {
  EXPECT_EQ(
      "lesson.yaml:17:23: unknown function 'sine' (did you mean 'sin'?) (the functions are "
      "square, sin, cos, exp, log, sigmoid, tanh, scale, add)\n"
      "        links: [square, sine]\n"
      "                        ^",
      spec_error(edited("[square, sin]", "[square, sine]")));
}

TEST(ChainRuleSpec, ScaleWithoutConstantIsRejected) {
  EXPECT_EQ(
      "lesson.yaml:17:15: 'scale' needs a constant, written as {scale: 2}\n"
      "        links: [scale, sin]\n"
      "                ^",
      spec_error(edited("[square, sin]", "[scale, sin]")));
}

TEST(ChainRuleSpec, LogOfNegativeInputIsRejected) {
  // 3 * 0.2 - 1 = -0.4 goes into the log.
  EXPECT_EQ(
      "lesson.yaml:20:38: log needs a positive input, but u2 is -0.4 at x = 0.2 (change 'x' or a "
      "link before the log)\n"
      "        links: [{scale: 3}, {add: -1}, log]\n"
      "                                       ^",
      spec_error(edited("x: 0.5", "x: 0.2")));
}

TEST(ChainRuleSpec, OverflowingChainIsRejected) {
  std::string message = spec_error(edited("[square, sin]", "[exp, exp, exp, exp]"));
  EXPECT_NE(std::string::npos, message.find("lesson.yaml:17:")) << message;
  EXPECT_NE(std::string::npos, message.find("link 4 overflows at x = 1.5, because u4 is inf")) << message;
}

TEST(ChainRuleSpec, EmptyChainIsRejected) {
  EXPECT_EQ(
      "lesson.yaml:17:14: 'links' must be a list with at least one entry, not an empty list\n"
      "        links: []\n"
      "               ^",
      spec_error(edited("[square, sin]", "[]")));
}

TEST(ChainRuleSpec, DuplicateNameAcrossPartsIsRejected) {
  EXPECT_EQ(
      "lesson.yaml:15:13: duplicate case name 'warm'\n"
      "      - name: warm\n"
      "              ^",
      spec_error(edited("name: sin of a square", "name: warm")));
}

TEST(ChainRuleSpec, UnknownKeyInLinkIsRejected) {
  std::string message = spec_error(edited("{scale: 3}", "{scael: 3}"));
  EXPECT_NE(std::string::npos,
            message.find("unknown key 'scael' in a link (did you mean 'scale'?)"))
      << message;
}

TEST(ChainRuleSpec, ImpossibleHiddenChainsAreRejected) {
  // exp of anything in [5, 6] exceeds the value limit, so no link fits.
  std::string text = edited("functions: [square, sin, cos, exp, log, sigmoid, tanh, scale, add]",
                            "functions: [exp]");
  text = text.replace(text.find("x: [-2, 2]"), 10, "x: [5, 6]");
  std::string message = spec_error(text);
  EXPECT_NE(std::string::npos, message.find("cannot draw 40 hidden chains within the limits"))
      << message;
}

TEST(ChainRuleHidden, ChainsAreDrawnWithinLimits) {
  ChainRuleSpec spec = parse_spec(kValidSpec);
  ASSERT_EQ(40u, spec.hidden_chain_cases.size());
  for (const FunctionChainCase& c : spec.hidden_chain_cases) {
    EXPECT_TRUE(c.hidden);
    EXPECT_GE(c.links.size(), 2u) << c.name;
    EXPECT_LE(c.links.size(), 6u) << c.name;
    EXPECT_GE(c.x, -2.0);
    EXPECT_LE(c.x, 2.0);
    EXPECT_EQ(c.x, std::round(c.x * 100) / 100) << "x is rounded to hundredths";

    std::vector<engine::ChainLinkValues> values = engine::chain_values(c.links, c.x);
    double input = c.x;
    for (std::size_t k = 0; k < c.links.size(); ++k) {
      if (c.links[k].function == ChainFunction::log) {
        EXPECT_GE(input, 0.1) << c.name << ", link " << k + 1;
      }
      EXPECT_LE(std::abs(values[k].u), 20.0) << c.name << ", link " << k + 1;
      EXPECT_LE(std::abs(values[k].du_dx), 1000.0) << c.name << ", link " << k + 1;
      input = values[k].u;
    }
  }
}

TEST(ChainRuleHidden, SameSeedDrawsSameChains) {
  ChainRuleSpec first = parse_spec(kValidSpec);
  ChainRuleSpec second = parse_spec(kValidSpec);
  EXPECT_EQ(chain_rule_input(chain_rule_cases(first)), chain_rule_input(chain_rule_cases(second)));

  ChainRuleSpec other = parse_spec(edited("seed: 2", "seed: 3"));
  EXPECT_NE(chain_rule_input(chain_rule_cases(first)), chain_rule_input(chain_rule_cases(other)));
}

TEST(ChainRuleHidden, EveryFunctionIsDrawn) {
  ChainRuleSpec spec = parse_spec(kValidSpec);
  std::vector<int> counts(9, 0);
  for (const FunctionChainCase& c : spec.hidden_chain_cases) {
    for (const ChainLink& link : c.links) {
      ++counts[static_cast<std::size_t>(link.function)];
    }
  }
  for (std::size_t i = 0; i < counts.size(); ++i) {
    EXPECT_GT(counts[i], 0) << function_name(static_cast<ChainFunction>(i));
  }
}

TEST(ChainRuleCases, PublicComeBeforeHidden) {
  std::vector<ChainRuleCase> cases = chain_rule_cases(parse_spec(kValidSpec));
  ASSERT_EQ(1u + 2u + 3u + 40u, cases.size());
  EXPECT_EQ("warm", std::get<IceCreamCase>(cases[0]).name);
  EXPECT_EQ("sin of a square", std::get<FunctionChainCase>(cases[1]).name);
  EXPECT_EQ("scaled", std::get<FunctionChainCase>(cases[2]).name);
  EXPECT_EQ("hidden ice cream 1", std::get<IceCreamCase>(cases[3]).name);
  EXPECT_EQ("hidden chain 1", std::get<FunctionChainCase>(cases[6]).name);
}

TEST(ChainRuleCases, InputHasOneLinePerCase) {
  std::vector<ChainRuleCase> cases = {
      IceCreamCase{"warm", false, 30, 10, 0.5},
      FunctionChainCase{"c", false, 1.5, {{ChainFunction::square}, {ChainFunction::add, -1.25}}}};
  EXPECT_EQ("ice 0 30 10 0.5\nchain 1 1.5 2 square 0 add -1.25\n", chain_rule_input(cases));
}

TEST(ChainRuleFormula, WritesCompositionInX) {
  EXPECT_EQ("sin(x^2)", chain_formula({{ChainFunction::square}, {ChainFunction::sin}}));
  EXPECT_EQ("sigmoid(3 * exp(x))", chain_formula({{ChainFunction::exp},
                                                  {ChainFunction::scale, 3},
                                                  {ChainFunction::sigmoid}}));
  EXPECT_EQ("(2 * x + 1)^2", chain_formula({{ChainFunction::scale, 2},
                                            {ChainFunction::add, 1},
                                            {ChainFunction::square}}));
  EXPECT_EQ("-0.5 * (x - 1)", chain_formula({{ChainFunction::add, -1},
                                             {ChainFunction::scale, -0.5}}));
  EXPECT_EQ("x", chain_formula({}));
}

// End to end, through the compiler and the harness.

fs::path scratch() { return scratch_dir("chain-rule-test"); }

LessonResult check_file(const fs::path& exercise) {
  return check_exercise(kLessonDir, exercise, scratch());
}

fs::path mutated_solution(const std::string& name, const std::string& from, const std::string& to) {
  return write_mutated_copy(kSolution, scratch(), name, {{from, to}});
}

const CaseTrace* find_trace(const LessonResult& result, const std::string& name) {
  for (const CaseTrace& trace : result.traces) {
    if (trace.name == name) {
      return &trace;
    }
  }
  return nullptr;
}

TEST(LessonOne, SolutionPassesEveryCase) {
  LessonResult result = check_file(kSolution);
  ASSERT_EQ(Outcome::passed, result.outcome) << result.compiler_log;

  Lesson lesson = load_lesson(kLessonDir);
  const ChainRuleSpec& spec = spec_as<ChainRuleSpec>(lesson.spec);
  std::size_t expected = spec.ice_cream.size() + spec.chains.size() +
                         static_cast<std::size_t>(spec.hidden_ice_cream.count + spec.hidden_chains.count);
  EXPECT_EQ(expected, result.traces.size());
  for (const CaseTrace& trace : result.traces) {
    EXPECT_TRUE(trace.passed) << trace.name;
    EXPECT_FALSE(trace.sections.empty()) << trace.name;
  }
}

TEST(LessonOne, StubReportsEveryFunctionNotImplemented) {
  LessonResult result = check_file(kLessonDir / "exercise.cpp");
  ASSERT_EQ(Outcome::not_implemented, result.outcome) << result.compiler_log;

  std::vector<std::string> names;
  for (const std::string& function : result.missing_functions) {
    names.push_back(short_function_name(function));
  }
  EXPECT_EQ((std::vector<std::string>{"ice_cream", "link_value", "link_derivative", "chain_rule"}),
            names);
}

// With part one written and part two still a stub, part one is graded and
// every public chain stops at the missing function.
TEST(LessonOne, PartOneGradedWithoutPartTwo) {
  std::string solution = read_file(kSolution);
  std::string stub = read_file(kLessonDir / "exercise.cpp");
  std::string part_one = solution.substr(0, solution.find("double sigmoid"));
  std::string part_two = stub.substr(stub.find("// Part two starts here."));
  fs::path path = scratch() / "part_one_only.cpp";
  std::ofstream(path) << part_one << part_two;

  LessonResult result = check_file(path);
  ASSERT_EQ(Outcome::not_implemented, result.outcome) << result.compiler_log;
  const CaseTrace* ice = find_trace(result, "ice cream at 30 degrees");
  ASSERT_NE(nullptr, ice);
  EXPECT_TRUE(ice->passed);
  const CaseTrace* chain = find_trace(result, "sin of a square");
  ASSERT_NE(nullptr, chain);
  EXPECT_FALSE(chain->passed);
  ASSERT_TRUE(chain->stop);
  EXPECT_EQ("link_value", chain->stop->stage);
  EXPECT_EQ("link_value", short_function_name(chain->stop->detail));
}

struct Mutation {
  std::string name;
  std::string from;
  std::string to;
  std::string first_case;   // the first case that fails
  std::string first_wrong;  // the label the trace must name
  std::string where;        // and where it sits
};

// Names the mutation in test output instead of dumping its bytes.
void PrintTo(const Mutation& mutation, std::ostream* out) { *out << mutation.name; }

class LessonOneMutation : public ::testing::TestWithParam<Mutation> {};

TEST_P(LessonOneMutation, FailsAtFirstWrongValue) {
  const Mutation& mutation = GetParam();
  LessonResult result = check_file(mutated_solution(mutation.name, mutation.from, mutation.to));
  ASSERT_EQ(Outcome::failed, result.outcome) << result.compiler_log;

  const CaseTrace* first_failed = nullptr;
  for (const CaseTrace& trace : result.traces) {
    if (!trace.passed) {
      first_failed = &trace;
      break;
    }
  }
  ASSERT_NE(nullptr, first_failed);
  EXPECT_EQ(mutation.first_case, first_failed->name);
  ASSERT_TRUE(first_failed->first_wrong);
  EXPECT_EQ(mutation.first_wrong, first_failed->first_wrong->check.label);
  EXPECT_EQ(mutation.where, first_failed->first_wrong->where);

  // Every value before the first wrong one is still marked right, and the
  // central difference disagrees with the final derivative too.
  bool reached = false;
  bool gradient_check_failed = false;
  for (const Section& section : first_failed->sections) {
    for (const TraceLine& line : section.lines) {
      if (!line.check) {
        continue;
      }
      if (line.check->label == mutation.first_wrong && !reached) {
        reached = true;
        EXPECT_FALSE(line.check->passed);
      }
      if (!reached) {
        EXPECT_TRUE(line.check->passed) << line.check->label;
      }
      if (section.heading.starts_with("Gradient check") && !line.check->passed) {
        gradient_check_failed = true;
      }
    }
  }
  EXPECT_TRUE(reached);
  EXPECT_TRUE(gradient_check_failed);
}

INSTANTIATE_TEST_SUITE_P(
    TypicalMistakes, LessonOneMutation,
    ::testing::Values(
        Mutation{"ice_cream_rates_added", "v.dhappiness_dT = v.dhappiness_dsales * v.dsales_dT;",
                 "v.dhappiness_dT = v.dhappiness_dsales + v.dsales_dT;", "ice cream at 30 degrees",
                 "happiness per degree", "chain rule"},
        Mutation{"textbook_rate_hard_coded", "v.dsales_dT = sales_per_degree;",
                 "v.dsales_dT = 10.0;", "hidden ice cream 1", "sales per degree", "chain rule"},
        Mutation{"local_derivatives_added", "step.du_dx = step.local * du_dx;",
                 "step.du_dx = step.local + du_dx;", "sin of a square", "du1/dx", "backward pass"},
        Mutation{"derivative_at_output",
                 "step.local = link_derivative(link, u);\n    step.u = link_value(link, u);",
                 "step.u = link_value(link, u);\n    step.local = link_derivative(link, step.u);",
                 "sin of a square", "du1/du0", "backward pass"},
        Mutation{"square_inner_derivative_dropped", "return 2.0 * u;", "return 2.0;",
                 "sin of a square", "du1/du0", "backward pass"},
        Mutation{"sigmoid_derivative_without_one_minus", "return s * (1.0 - s);", "return s;",
                 "sigmoid of 3 exp", "du3/du2", "backward pass"}),
    [](const auto& info) { return info.param.name; });

TEST(LessonOne, ExtraStepFailsStepCount) {
  LessonResult result = check_file(mutated_solution(
      "extra_step", "  return steps;\n}", "  steps.push_back(ChainStep{});\n  return steps;\n}"));
  ASSERT_EQ(Outcome::failed, result.outcome) << result.compiler_log;
  const CaseTrace* trace = find_trace(result, "sin of a square");
  ASSERT_NE(nullptr, trace);
  ASSERT_TRUE(trace->first_wrong);
  EXPECT_EQ("number of steps", trace->first_wrong->check.label);
  EXPECT_EQ("forward pass", trace->first_wrong->where);
  EXPECT_EQ(3.0, trace->first_wrong->check.actual);
  EXPECT_EQ(2.0, trace->first_wrong->check.expected);
}

TEST(LessonOne, EmptyResultMarksFirstValueNotComputed) {
  LessonResult result =
      check_file(mutated_solution("no_steps", "  return steps;\n}", "  return {};\n}"));
  ASSERT_EQ(Outcome::failed, result.outcome) << result.compiler_log;
  const CaseTrace* trace = find_trace(result, "sin of a square");
  ASSERT_NE(nullptr, trace);
  ASSERT_TRUE(trace->first_wrong);
  EXPECT_EQ("u1", trace->first_wrong->check.label);
  EXPECT_FALSE(trace->first_wrong->check.actual);
}

TEST(LessonOneCommand, SolutionPrintsTextbookTrace) {
  CommandOutput output = run_runner("lesson 1 --exercise " + kSolution.string());
  EXPECT_EQ(0, output.status) << output.text;
  // The ice cream numbers of the textbook, then sin(x^2) at 1.5 worked by hand:
  // 2.25, 3, sin(2.25) = 0.778, cos(2.25) = -0.628, -0.628 * 3 = -1.885.
  for (const char* line : {
           "temperature T = 30 degrees",
           "✓ ice cream sales = 10 × 30 = 300.000",
           "✓ happiness = 0.1 × 300.000 = 30.000",
           "✓ happiness per sale = 0.100  (dhappiness/dsales)",
           "✓ sales per degree = 10.000  (dsales/dT)",
           "✓ happiness per degree = 0.100 × 10.000 = 1.000",
           "✓ u1 = u0² = 1.500² = 2.250",
           "✓ u2 = sin(u1) = sin(2.250) = 0.778",
           "✓ du1/du0 = 2 × u0 = 3.000  (at u0 = 1.500)",
           "✓ du1/dx = du1/du0 × du0/dx = 3.000 × 1.000 = 3.000",
           "✓ du2/du1 = cos(u1) = -0.628  (at u1 = 2.250)",
           "✓ du2/dx = du2/du1 × du1/dx = -0.628 × 3.000 = -1.885",
           "✓ du2/dx = -1.885  (numerically -1.884",
       }) {
    EXPECT_NE(std::string::npos, output.text.find(line)) << line << "\n" << output.text;
  }
  EXPECT_NE(std::string::npos, output.text.find("Lesson 1 passed")) << output.text;
}

TEST(LessonOneCommand, PlainTraceIsAscii) {
  CommandOutput output = run_runner("lesson 1 --plain --exercise " + kSolution.string());
  EXPECT_EQ(0, output.status) << output.text;
  for (unsigned char c : output.text) {
    ASSERT_LT(c, 0x80) << output.text;
  }
  EXPECT_NE(std::string::npos, output.text.find("ok du1/dx = du1/du0 * du0/dx = 3.000 * 1.000"))
      << output.text;
}

TEST(LessonOneCommand, StubExitsOneWithNotImplemented) {
  fs::path workspace = scratch() / "workspace";
  fs::remove_all(workspace);
  CommandOutput output = run_runner("lesson 1 --workspace " + workspace.string());
  EXPECT_EQ(1, output.status) << output.text;
  EXPECT_NE(std::string::npos, output.text.find("not implemented yet")) << output.text;
  EXPECT_NE(std::string::npos,
            output.text.find("Not implemented yet: ice_cream(), link_value(), "
                             "link_derivative(), chain_rule()."))
      << output.text;
}

TEST(LessonOneCommand, MutationNamesFirstWrongValue) {
  fs::path exercise = mutated_solution("command_added", "step.du_dx = step.local * du_dx;",
                                       "step.du_dx = step.local + du_dx;");
  CommandOutput output = run_runner("lesson 1 --exercise " + exercise.string());
  EXPECT_EQ(1, output.status) << output.text;
  EXPECT_NE(std::string::npos,
            output.text.find("First wrong value: du1/dx (backward pass, case 'sin of a square')"))
      << output.text;
  // 3 + 1 instead of 3 × 1; the expected value comes with the right product.
  EXPECT_NE(std::string::npos,
            output.text.find("you have 4.000, expected du1/du0 × du0/dx = 3.000 × 1.000 = 3.000"))
      << output.text;
  EXPECT_NE(std::string::npos, output.text.find("You have 4.000, expected 3.000 (reference).")) << output.text;
}

}  // namespace
}  // namespace gradlings::runner
