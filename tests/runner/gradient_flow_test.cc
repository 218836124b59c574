// Lesson 5 and its kind, gradient-flow: the lesson file, the cases drawn from
// seeds, the tolerances, the grader on hand-made records, and the lesson end
// to end, compiled and run exactly as `runner lesson 5` does.
#include "runner/kinds/gradient_flow.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "engine/gradcheck.h"
#include "runner/check.h"
#include "runner/error.h"
#include "runner/lesson.h"
#include "runner/report.h"
#include "tests/runner/lesson_support.h"

namespace gradlings::runner {
namespace {

using namespace lesson_support;
using engine::GradientStatus;
using engine::Matrix;

const fs::path kLessonDir = kRoot / "lessons" / "05-vanishing-gradients";
const fs::path kSolution = kRoot / "solutions" / "05-vanishing-gradients" / "exercise.cpp";

fs::path scratch() { return scratch_dir("gradient-flow-test"); }

const Lesson& lesson() {
  static const Lesson loaded = load_lesson(kLessonDir);
  return loaded;
}

const GradientFlowSpec& spec() { return spec_as<GradientFlowSpec>(lesson().spec); }

// ---- The lesson file and the drawn cases ----

TEST(GradientFlowLesson, PublicFlowsAreMaterialWeights) {
  ASSERT_GE(spec().flows.size(), 3u);
  EXPECT_EQ((std::vector<double>{0.3, 0.2, 0.4, 0.3, 0.2}), spec().flows[0].weights);
  EXPECT_EQ((std::vector<double>{2.5, 3.0, 2.8, 2.2, 2.7}), spec().flows[1].weights);
  EXPECT_EQ((std::vector<double>{1.1, 0.9, 1.0, 0.8, 1.2}), spec().flows[2].weights);
}

TEST(GradientFlowLesson, PublicFlowsReachVanishing) {
  std::set<GradientStatus> statuses;
  for (const FlowCase& flow : spec().flows) {
    for (double g : engine::gradient_flow(1.0, flow.weights)) {
      statuses.insert(engine::gradient_status(g));
    }
  }
  EXPECT_EQ(5u, statuses.size());
}

TEST(GradientFlowLesson, HiddenFlowsCoverEveryStatus) {
  GradientFlowCases cases = gradient_flow_cases(spec());
  std::set<GradientStatus> statuses;
  std::set<std::size_t> lengths;
  for (const FlowCase& flow : cases.flows) {
    if (!flow.hidden) {
      continue;
    }
    lengths.insert(flow.weights.size());
    for (double g : engine::gradient_flow(1.0, flow.weights)) {
      statuses.insert(engine::gradient_status(g));
    }
  }
  EXPECT_EQ(5u, statuses.size());
  EXPECT_GE(lengths.size(), 3u) << "the hidden flows should differ in length";
}

TEST(GradientFlowLesson, HiddenCasesStayInRanges) {
  const GradientFlowHidden& hidden = spec().hidden;
  GradientFlowCases cases = gradient_flow_cases(spec());
  ASSERT_EQ(spec().flows.size() + hidden.flows, cases.flows.size());
  ASSERT_EQ(spec().chains.size() + hidden.chains, cases.chains.size());

  for (const FlowCase& flow : cases.flows) {
    if (!flow.hidden) {
      continue;
    }
    EXPECT_GE(static_cast<int>(flow.weights.size()), hidden.flow_layers.low);
    EXPECT_LE(static_cast<int>(flow.weights.size()), hidden.flow_layers.high);
    std::size_t index = std::stoul(flow.name.substr(flow.name.rfind(' ') + 1)) - 1;
    const Range& band = hidden.flow_weights[index % hidden.flow_weights.size()];
    for (double w : flow.weights) {
      EXPECT_GE(w, band.low) << flow.name;
      EXPECT_LE(w, band.high) << flow.name;
    }
  }
  for (const ChainCase& c : cases.chains) {
    if (!c.hidden) {
      continue;
    }
    EXPECT_GE(c.draw.layers, hidden.chain_layers.low);
    EXPECT_LE(c.draw.layers, hidden.chain_layers.high);
    EXPECT_GE(c.draw.width, hidden.chain_width.low);
    EXPECT_LE(c.draw.width, hidden.chain_width.high);
    EXPECT_GE(c.draw.target, hidden.target.low);
    EXPECT_LE(c.draw.target, hidden.target.high);
  }
}

TEST(ChainDraw, SameSeedDrawsSameChains) {
  ChainDraw draw{7, 10, 4, 0.5};
  ChainCase first = draw_chain_case(draw, spec().chain_weights);
  ChainCase second = draw_chain_case(draw, spec().chain_weights);
  ASSERT_EQ(10u, first.sigmoid.weights.size());
  for (std::size_t l = 0; l < first.sigmoid.weights.size(); ++l) {
    EXPECT_EQ(first.sigmoid.weights[l], second.sigmoid.weights[l]);
    EXPECT_EQ(first.relu.weights[l], second.relu.weights[l]);
  }
  EXPECT_EQ(first.sigmoid.x, second.sigmoid.x);

  ChainCase other = draw_chain_case({8, 10, 4, 0.5}, spec().chain_weights);
  EXPECT_NE(first.sigmoid.weights[0], other.sigmoid.weights[0]);
}

TEST(ChainDraw, WeightsStayWithinBounds) {
  ChainWeights weights{{-0.5, 0.5}, {-1.0, 1.0}};
  ChainCase c = draw_chain_case({3, 12, 6, 0.5}, weights);
  double he_bound = std::sqrt(6.0 / 6);
  for (std::size_t l = 0; l < 12; ++l) {
    Eigen::Index rows = l == 11 ? 1 : 6;
    EXPECT_EQ(rows, c.sigmoid.weights[l].rows());
    EXPECT_EQ(6, c.sigmoid.weights[l].cols());
    EXPECT_LE(c.sigmoid.weights[l].cwiseAbs().maxCoeff(), 0.5);
    EXPECT_LE(c.relu.weights[l].cwiseAbs().maxCoeff(), he_bound);
  }
  EXPECT_EQ(c.sigmoid.x, c.relu.x);
  EXPECT_LE(c.sigmoid.x.cwiseAbs().maxCoeff(), 1.0);
  EXPECT_EQ(engine::Activation::sigmoid, c.sigmoid.activation);
  EXPECT_EQ(engine::Activation::relu, c.relu.activation);
}

std::vector<double> weight_gradient_sizes(const engine::DeepChain& chain) {
  std::vector<double> sizes;
  for (const engine::ChainLayer& layer : engine::deep_chain_pass(chain).layers) {
    sizes.push_back(layer.dL_dW.norm());
  }
  return sizes;
}

// The public chain is what the learner sees: the sigmoid gradient must
// vanish, the ReLU gradient must not, and a ReLU unit must be inactive so
// that a ReLU derivative of 1 everywhere is caught.
TEST(GradientFlowLesson, PublicChainShowsVanishing) {
  ASSERT_EQ(1u, spec().chains.size());
  const ChainCase& c = spec().chains[0];
  ASSERT_GE(c.draw.layers, 10);

  std::vector<double> sigmoid = weight_gradient_sizes(c.sigmoid);
  EXPECT_LT(sigmoid.front() / sigmoid.back(), 1e-6);

  std::vector<double> relu = weight_gradient_sizes(c.relu);
  for (double size : relu) {
    EXPECT_GT(size, 1e-2);
    EXPECT_LT(size, 1e2);
  }

  engine::ChainPass pass = engine::deep_chain_pass(c.relu);
  bool negative = false;
  for (std::size_t l = 0; l + 1 < pass.layers.size(); ++l) {
    negative = negative || pass.layers[l].z.minCoeff() < 0;
  }
  EXPECT_TRUE(negative);
}

TEST(GradientFlowInput, OneLinePerCase) {
  GradientFlowCases cases = gradient_flow_cases(spec());
  std::istringstream lines(gradient_flow_input(cases));
  std::vector<std::vector<std::string>> rows;
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    rows.emplace_back();
    for (std::string field; fields >> field;) {
      rows.back().push_back(field);
    }
  }
  ASSERT_EQ(cases.flows.size() + cases.chains.size(), rows.size());

  EXPECT_EQ((std::vector<std::string>{"flow", "0", "5"}),
            std::vector<std::string>(rows[0].begin(), rows[0].begin() + 3));
  EXPECT_EQ(3u + 5u, rows[0].size());
  EXPECT_EQ(0.3, std::stod(rows[0][3]));

  const ChainCase& chain = cases.chains[0];
  const std::vector<std::string>& row = rows[cases.flows.size()];
  EXPECT_EQ("chain", row[0]);
  EXPECT_EQ(std::to_string(cases.flows.size()), row[1]);
  std::size_t per_chain =
      (chain.draw.layers - 1) * chain.draw.width * chain.draw.width + chain.draw.width;
  EXPECT_EQ(5u + chain.draw.width + 2 * per_chain, row.size());
  EXPECT_EQ(chain.sigmoid.x(0, 0), std::stod(row[5]));
  EXPECT_EQ(chain.sigmoid.weights[0](0, 0), std::stod(row[5 + chain.draw.width]));
  EXPECT_EQ(chain.relu.weights[0](0, 0), std::stod(row[5 + chain.draw.width + per_chain]));
}

class GradientFlowSpecError : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = scratch() / "spec" / ::testing::UnitTest::GetInstance()->current_test_info()->name() /
           "05-test";
    fs::create_directories(dir_);
  }

  // Writes the real lesson file with `from` replaced by `to`, loads it and
  // returns the first line of the error, with the folder replaced by "DIR".
  std::string load_error(const std::string& from, const std::string& to) {
    std::string text = replace_first(read_file(kLessonDir / "lesson.yaml"), from, to);
    std::ofstream(dir_ / "lesson.yaml") << text;
    try {
      load_lesson(dir_);
    } catch (const Error& error) {
      std::string message = error.what();
      message = message.substr(0, message.find('\n'));
      std::string prefix = dir_.string();
      if (message.starts_with(prefix)) {
        message.replace(0, prefix.size(), "DIR");
      }
      return message;
    }
    return "";
  }

  // The 1-based line of the first `text` in the real lesson file.
  static int line_of(const std::string& text) {
    std::string file = read_file(kLessonDir / "lesson.yaml");
    std::size_t at = file.find(text);
    return 1 + static_cast<int>(std::count(file.begin(), file.begin() + at, '\n'));
  }

  fs::path dir_;
};

TEST_F(GradientFlowSpecError, DuplicateNameAcrossFlowsAndChains) {
  EXPECT_EQ(fmt::format("DIR/lesson.yaml:{}:11: duplicate case name 'small weights'",
                        line_of("  - name: twelve layers")),
            load_error("  - name: twelve layers", "  - name: small weights"));
}

TEST_F(GradientFlowSpecError, FractionalLayerRangeIsRejected) {
  EXPECT_EQ(fmt::format("DIR/lesson.yaml:{}:16: 'flow_layers' must be a range [low, high] of "
                        "whole numbers between 1 and 1000",
                        line_of("  flow_layers: [3, 12]")),
            load_error("  flow_layers: [3, 12]", "  flow_layers: [3.5, 12]"));
}

TEST_F(GradientFlowSpecError, ChainNeedsTwoLayers) {
  EXPECT_EQ(fmt::format("DIR/lesson.yaml:{}:13: 'layers' must be between 2 and 64, not 1",
                        line_of("    layers: 12")),
            load_error("    layers: 12", "    layers: 1"));
}

TEST_F(GradientFlowSpecError, UnknownFlowKeySuggestsClosest) {
  EXPECT_EQ(fmt::format("DIR/lesson.yaml:{}:5: unknown key 'weight' in a flow (did you mean "
                        "'weights'?)",
                        line_of("    weights: [0.3, 0.2, 0.4, 0.3, 0.2]")),
            load_error("    weights: [0.3, 0.2, 0.4, 0.3, 0.2]",
                       "    weight: [0.3, 0.2, 0.4, 0.3, 0.2]"));
}

TEST_F(GradientFlowSpecError, FlowWeightMustBeNumber) {
  EXPECT_EQ(fmt::format("DIR/lesson.yaml:{}:25: each entry of 'weights' must be a finite number",
                        line_of("    weights: [0.3, 0.2, 0.4, 0.3, 0.2]")),
            load_error("    weights: [0.3, 0.2, 0.4, 0.3, 0.2]",
                       "    weights: [0.3, 0.2, big, 0.3, 0.2]"));
}

TEST_F(GradientFlowSpecError, WeightBandMustBeRange) {
  std::string line = "  flow_weights: [[-0.6, 0.6], [0.7, 1.3], [1.5, 3.5]]";
  EXPECT_EQ(fmt::format("DIR/lesson.yaml:{}:31: each entry of 'flow_weights' must be a range "
                        "[low, high] with low at most high",
                        line_of(line)),
            load_error(line, "  flow_weights: [[-0.6, 0.6], [1.3, 0.7], [1.5, 3.5]]"));
}

// ---- Tolerances ----

std::vector<Matrix> numerical_weight_gradients(const engine::DeepChain& chain) {
  auto loss = [&](const std::vector<Matrix>& weights) {
    engine::DeepChain copy = chain;
    copy.weights = weights;
    return engine::deep_chain_loss(copy);
  };
  return engine::numerical_gradient(loss, chain.weights, lesson().gradient_check.step);
}

// Layer 1 of the public sigmoid chain has gradients below 1e-8. Central
// differences measure them with a rounding error that is large relative to
// the value, so only the absolute term lets the right value pass.
TEST(GradientCheckTolerance, VanishedButCorrectGradientPasses) {
  const engine::DeepChain& chain = spec().chains[0].sigmoid;
  Matrix analytic = engine::deep_chain_pass(chain).layers[0].dL_dW;
  Matrix numerical = numerical_weight_gradients(chain)[0];
  ASSERT_LT(analytic.cwiseAbs().maxCoeff(), 1e-8);

  double worst_relative = 0;
  for (Eigen::Index k = 0; k < analytic.size(); ++k) {
    EXPECT_TRUE(engine::within_tolerance(analytic.data()[k], numerical.data()[k],
                                         lesson().gradient_check.tolerance))
        << "entry " << k;
    worst_relative =
        std::max(worst_relative, engine::relative_error(analytic.data()[k], numerical.data()[k]));
  }
  EXPECT_GT(worst_relative, lesson().gradient_check.tolerance.relative)
      << "a relative bound alone would reject a correct vanished gradient";
}

// Doubling a gradient, the effect of a wrong factor in the chain rule, fails
// the check in every layer whose gradient is above the checker's noise floor.
TEST(GradientCheckTolerance, WrongGradientFails) {
  for (const engine::DeepChain* chain : {&spec().chains[0].sigmoid, &spec().chains[0].relu}) {
    engine::ChainPass pass = engine::deep_chain_pass(*chain);
    std::vector<Matrix> numerical = numerical_weight_gradients(*chain);
    for (std::size_t l = 0; l < numerical.size(); ++l) {
      Eigen::Index row = 0;
      Eigen::Index col = 0;
      pass.layers[l].dL_dW.cwiseAbs().maxCoeff(&row, &col);
      double right = pass.layers[l].dL_dW(row, col);
      if (std::abs(right) < 1e-8) {
        continue;
      }
      EXPECT_FALSE(engine::within_tolerance(2 * right, numerical[l](row, col),
                                            lesson().gradient_check.tolerance))
          << "layer " << l + 1;
    }
  }
}

// Below the checker's noise floor, the comparison with the reference engine
// still distinguishes a wrong vanished gradient from the right one.
TEST(ReferenceTolerance, CatchesWrongVanishedGradient) {
  const engine::DeepChain& chain = spec().chains[0].sigmoid;
  double right = engine::deep_chain_pass(chain).layers[0].dL_dW(0, 0);
  ASSERT_LT(std::abs(right), 1e-9);
  ASSERT_GT(std::abs(right), 1e-13);
  EXPECT_TRUE(engine::within_tolerance(right * (1 + 1e-12), right, lesson().tolerance));
  EXPECT_FALSE(engine::within_tolerance(2 * right, right, lesson().tolerance));
  EXPECT_FALSE(engine::within_tolerance(right * 1.01, right, lesson().tolerance));
}

// ---- The grader, on records made by hand ----

void add_column(StepValues& step, const std::string& name, std::size_t l, const Matrix& m) {
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    step.values.emplace_back(fmt::format("{}[{}][{}]", name, l, i), m(i, 0));
  }
}

// The records a correct learner sends for one chain.
StepValues chain_step(int number, const engine::DeepChain& chain) {
  StepValues step;
  step.step = number;
  engine::ChainPass pass = engine::deep_chain_pass(chain);
  for (std::size_t l = 0; l < pass.layers.size(); ++l) {
    add_column(step, "z", l, pass.layers[l].z);
    add_column(step, "a", l, pass.layers[l].a);
    add_column(step, "dL_da", l, pass.layers[l].dL_da);
    add_column(step, "da_dz", l, pass.layers[l].da_dz);
    add_column(step, "dL_dz", l, pass.layers[l].dL_dz);
    const Matrix& w = pass.layers[l].dL_dW;
    for (Eigen::Index i = 0; i < w.rows(); ++i) {
      for (Eigen::Index j = 0; j < w.cols(); ++j) {
        step.values.emplace_back(fmt::format("dL_dW[{}][{}][{}]", l, i, j), w(i, j));
      }
    }
  }
  return step;
}

// The records a correct learner sends for one flow.
StepValues flow_step(const FlowCase& flow) {
  StepValues step;
  step.step = 1;
  std::vector<double> gradients = engine::gradient_flow(1.0, flow.weights);
  step.values.emplace_back("flow.size()", static_cast<double>(gradients.size()));
  for (std::size_t k = 0; k < gradients.size(); ++k) {
    step.values.emplace_back(fmt::format("flow[{}].gradient", k), gradients[k]);
    step.values.emplace_back(fmt::format("flow[{}].status", k),
                             static_cast<double>(engine::gradient_status(gradients[k])));
  }
  return step;
}

// Records for the first flow and the public chain case.
ChannelData correct_records(const GradientFlowCases& cases) {
  ChannelData data;
  data.cases.push_back({0, {flow_step(cases.flows[0])}, std::nullopt});
  const ChainCase& chain = cases.chains[0];
  data.cases.push_back({static_cast<int>(cases.flows.size()),
                        {chain_step(1, chain.sigmoid), chain_step(2, chain.relu)},
                        std::nullopt});
  data.ended = true;
  return data;
}

void set_value(StepValues& step, const std::string& name, std::optional<double> value) {
  for (auto it = step.values.begin(); it != step.values.end(); ++it) {
    if (it->first == name) {
      if (value) {
        it->second = *value;
      } else {
        step.values.erase(it);
      }
      return;
    }
  }
  ADD_FAILURE() << "no value named " << name;
}

const Section* find_section(const CaseTrace& trace, const std::string& prefix) {
  for (const Section& section : trace.sections) {
    if (section.heading.starts_with(prefix)) {
      return &section;
    }
  }
  return nullptr;
}

TEST(GradeGradientFlow, CorrectRecordsPassAndDrawChart) {
  GradientFlowCases cases = gradient_flow_cases(spec());
  std::vector<CaseTrace> traces = grade_gradient_flow(lesson(), cases, correct_records(cases));
  ASSERT_EQ(2u, traces.size());
  EXPECT_TRUE(traces[0].passed);
  EXPECT_TRUE(traces[1].passed);

  const Section* chart = find_section(traces[1], "Size of your dL/dW per layer");
  ASSERT_NE(nullptr, chart);
  ASSERT_TRUE(chart->lines.at(0).table);
  const Table& table = *chart->lines[0].table;
  ASSERT_EQ(static_cast<std::size_t>(cases.chains[0].draw.layers), table.rows.size());
  EXPECT_EQ("12", table.rows.front()[0].text);
  EXPECT_EQ("1", table.rows.back()[0].text);
  // The sigmoid bar of layer 1 is shorter than that of layer 12.
  auto blocks = [](const std::string& text) {
    std::size_t count = 0;
    for (std::size_t at = text.find("█"); at != std::string::npos; at = text.find("█", at + 1)) {
      ++count;
    }
    return count;
  };
  EXPECT_LT(blocks(table.rows.back()[1].text) + 10, blocks(table.rows.front()[1].text));
}

TEST(GradeGradientFlow, WrongStatusNamesBothStatuses) {
  GradientFlowCases cases = gradient_flow_cases(spec());
  ChannelData data = correct_records(cases);
  set_value(data.cases[0].steps[0], "flow[4].status", static_cast<double>(GradientStatus::healthy));
  CaseTrace trace = grade_gradient_flow(lesson(), cases, data).at(0);

  ASSERT_TRUE(trace.first_wrong);
  EXPECT_EQ("flow[4].status", trace.first_wrong->check.label);
  EXPECT_EQ("layer 5", trace.first_wrong->where);
  EXPECT_EQ("healthy", trace.first_wrong->check.actual_text);
  EXPECT_EQ("getting weak", trace.first_wrong->check.expected_text);
  EXPECT_EQ("the status of gradient 0.00144", trace.first_wrong->check.expected_source);
  const Table& table = *trace.sections.at(0).lines.at(0).table;
  EXPECT_EQ("healthy ✗, expected getting weak", table.rows.at(4).at(3).text);
}

// A status is judged on the learner's own gradient, so one wrong gradient
// is one mistake, not two.
TEST(GradeGradientFlow, StatusFollowsLearnersGradient) {
  GradientFlowCases cases = gradient_flow_cases(spec());
  ChannelData data = correct_records(cases);
  set_value(data.cases[0].steps[0], "flow[4].gradient", 0.0005);
  set_value(data.cases[0].steps[0], "flow[4].status",
            static_cast<double>(GradientStatus::vanishing));
  CaseTrace trace = grade_gradient_flow(lesson(), cases, data).at(0);

  ASSERT_TRUE(trace.first_wrong);
  EXPECT_EQ("flow[4].gradient", trace.first_wrong->check.label);
  const Table& table = *trace.sections.at(0).lines.at(0).table;
  ASSERT_TRUE(table.rows.at(4).at(2).check);
  EXPECT_FALSE(table.rows[4][2].check->passed);
  EXPECT_EQ("vanishing ✓", table.rows[4][3].text);
}

TEST(GradeGradientFlow, WrongLengthIsReported) {
  GradientFlowCases cases = gradient_flow_cases(spec());
  ChannelData data = correct_records(cases);
  set_value(data.cases[0].steps[0], "flow.size()", 4.0);
  set_value(data.cases[0].steps[0], "flow[4].gradient", std::nullopt);
  CaseTrace trace = grade_gradient_flow(lesson(), cases, data).at(0);
  ASSERT_TRUE(trace.first_wrong);
  EXPECT_EQ("flow.size()", trace.first_wrong->check.label);
  EXPECT_FALSE(trace.passed);
}

TEST(GradeGradientFlow, MissingEntryIsNotComputed) {
  GradientFlowCases cases = gradient_flow_cases(spec());
  ChannelData data = correct_records(cases);
  set_value(data.cases[1].steps[1], "dL_dW[0][0][0]", std::nullopt);
  CaseTrace trace = grade_gradient_flow(lesson(), cases, data).at(1);

  ASSERT_TRUE(trace.first_wrong);
  EXPECT_EQ("dL_dW[0][0][0]", trace.first_wrong->check.label);
  EXPECT_EQ("ReLU chain, backward pass, layer 1", trace.first_wrong->where);
  EXPECT_FALSE(trace.first_wrong->check.actual);
  EXPECT_EQ(nullptr, find_section(trace, "Size of your dL/dW per layer"));
}

TEST(GradeGradientFlow, StoppedStageFailsCase) {
  GradientFlowCases cases = gradient_flow_cases(spec());
  ChannelData data = correct_records(cases);
  data.cases[1].steps.pop_back();
  data.cases[1].steps.back().values.clear();
  data.cases[1].stop = StageStop{StageStop::Reason::threw, "forward", "vector index out of range"};
  CaseTrace trace = grade_gradient_flow(lesson(), cases, data).at(1);
  EXPECT_FALSE(trace.passed);
  EXPECT_TRUE(trace.sections.empty());
}

// ---- The lesson end to end ----

LessonResult check_file(const fs::path& exercise) {
  return check_exercise(lesson(), exercise, scratch());
}

// Writes the solution with its only `from` replaced by `to` and returns its path.
fs::path mutated_solution(const std::string& name, const std::string& from, const std::string& to) {
  return write_mutated_copy(kSolution, scratch(), name, {{from, to}}, Match::unique);
}

// Every ✗ shown in the trace's tables, in order, as "section, layer N, column".
std::vector<std::string> wrong_cells(const CaseTrace& trace) {
  std::vector<std::string> cells;
  for (const Section& section : trace.sections) {
    std::string heading = section.heading.substr(0, section.heading.find(" ("));
    for (const TraceLine& line : section.lines) {
      if (!line.table) {
        continue;
      }
      for (const auto& row : line.table->rows) {
        for (std::size_t i = 1; i < row.size(); ++i) {
          bool wrong =
              row[i].check ? !row[i].check->passed : row[i].text.find("✗") != std::string::npos;
          if (wrong) {
            cells.push_back(
                fmt::format("{}, layer {}, {}", heading, row[0].text, line.table->header[i]));
          }
        }
      }
    }
  }
  return cells;
}

const CaseTrace* first_failed(const LessonResult& result) {
  for (const CaseTrace& trace : result.traces) {
    if (!trace.passed) {
      return &trace;
    }
  }
  return nullptr;
}

TEST(LessonFive, SolutionPassesEveryCase) {
  LessonResult result = check_file(kSolution);
  ASSERT_EQ(Outcome::passed, result.outcome) << result.compiler_log;
  GradientFlowCases cases = gradient_flow_cases(spec());
  EXPECT_EQ(cases.flows.size() + cases.chains.size(), result.traces.size());
  for (const CaseTrace& trace : result.traces) {
    EXPECT_TRUE(trace.passed) << trace.name;
  }
}

TEST(LessonFive, StubReportsEveryFunction) {
  LessonResult result = check_file(kLessonDir / "exercise.cpp");
  ASSERT_EQ(Outcome::not_implemented, result.outcome) << result.compiler_log;
  std::set<std::string> names;
  for (const std::string& function : result.missing_functions) {
    names.insert(short_function_name(function));
  }
  EXPECT_EQ((std::set<std::string>{"classify_gradient", "simulate_gradient_flow", "activate",
                                   "activation_derivative", "forward", "backward"}),
            names);
}

struct Mutation {
  std::string name;
  std::string from;
  std::string to;
  std::string case_name;  // the first case that fails
  std::string label;      // the first wrong value
  std::string where;
  std::string first_cell;  // the first ✗ in the trace's tables
};

// Names a mutation by its name in test output, instead of its bytes.
void PrintTo(const Mutation& mutation, std::ostream* out) { *out << mutation.name; }

class LessonFiveMutation : public ::testing::TestWithParam<Mutation> {};

void expect_first_wrong(const LessonResult& result, const Mutation& m) {
  ASSERT_EQ(Outcome::failed, result.outcome) << result.compiler_log;
  const CaseTrace* trace = first_failed(result);
  ASSERT_NE(nullptr, trace);
  EXPECT_EQ(m.case_name, trace->name);
  ASSERT_TRUE(trace->first_wrong);
  EXPECT_EQ(m.label, trace->first_wrong->check.label);
  EXPECT_EQ(m.where, trace->first_wrong->where);
  std::vector<std::string> cells = wrong_cells(*trace);
  ASSERT_FALSE(cells.empty());
  EXPECT_EQ(m.first_cell, cells.front());
}

TEST_P(LessonFiveMutation, FailsAtFirstWrongValue) {
  const Mutation& m = GetParam();
  expect_first_wrong(check_file(mutated_solution(m.name, m.from, m.to)), m);
}

const char* const kDeeper = "deeper, with a negative weight";
const char* const kChain = "twelve layers";

INSTANTIATE_TEST_SUITE_P(
    TypicalMistakes, LessonFiveMutation,
    ::testing::Values(
        Mutation{"weak_tested_before_vanishing",
                 "  if (size < 0.001) {\n    return GradientStatus::vanishing;\n  }\n",
                 "  if (size < 0.1) {\n    return GradientStatus::getting_weak;\n  }\n"
                 "  if (size < 0.001) {\n    return GradientStatus::vanishing;\n  }\n",
                 kDeeper, "flow[5].status", "layer 6",
                 "Gradient flowing back through 6 layers, layer 6, Status"},
        Mutation{"sign_not_dropped", "double size = std::abs(gradient);", "double size = gradient;",
                 kDeeper, "flow[1].status", "layer 2",
                 "Gradient flowing back through 6 layers, layer 2, Status"},
        Mutation{
            "activation_instead_of_derivative",
            "g.da_dz[l][i] = last ? 1.0 : activation_derivative(chain.activation, values.z[l][i]);",
            "g.da_dz[l][i] = last ? 1.0 : activate(chain.activation, values.z[l][i]);", kChain,
            "da_dz[10][0]", "sigmoid chain, backward pass, layer 11",
            "Sigmoid chain: backward pass, layer 11, da/dz"},
        Mutation{"sigmoid_derivative_of_z", "return s * (1.0 - s);", "return z * (1.0 - z);",
                 kChain, "da_dz[10][0]", "sigmoid chain, backward pass, layer 11",
                 "Sigmoid chain: backward pass, layer 11, da/dz"},
        Mutation{"weight_forgotten_on_the_way_back",
                 "g.dL_da[l - 1][j] += W[i][j] * g.dL_dz[l][i];",
                 "g.dL_da[l - 1][j] += g.dL_dz[l][i];", kChain, "dL_da[10][0]",
                 "sigmoid chain, backward pass, layer 11",
                 "Sigmoid chain: backward pass, layer 11, dL/da"}),
    [](const auto& info) { return info.param.name; });

// The first inactive ReLU unit that the backward pass meets: the highest
// hidden layer with a negative pre-activation, and its first such unit.
std::pair<std::size_t, Eigen::Index> first_inactive_unit() {
  engine::ChainPass pass = engine::deep_chain_pass(spec().chains[0].relu);
  for (std::size_t l = pass.layers.size() - 1; l-- > 0;) {
    for (Eigen::Index i = 0; i < pass.layers[l].z.rows(); ++i) {
      if (pass.layers[l].z(i, 0) <= 0) {
        return {l, i};
      }
    }
  }
  ADD_FAILURE() << "every ReLU unit of the public chain is active";
  return {0, 0};
}

TEST(LessonFiveMutationRelu, DerivativeOfOneEverywhereFailsAtInactiveUnit) {
  auto [layer, unit] = first_inactive_unit();
  Mutation m{"relu_derivative_always_one",
             "return z > 0.0 ? 1.0 : 0.0;",
             "return 1.0;",
             kChain,
             fmt::format("da_dz[{}][{}]", layer, unit),
             fmt::format("ReLU chain, backward pass, layer {}", layer + 1),
             fmt::format("ReLU chain: backward pass, layer {}, da/dz", layer + 1)};
  expect_first_wrong(check_file(mutated_solution(m.name, m.from, m.to)), m);
}

TEST(LessonFiveCommand, SolutionPrintsMaterialTables) {
  CommandOutput output = run_runner("lesson 5 --exercise " + kSolution.string());
  EXPECT_EQ(0, output.status) << output.text;
  for (const char* line : {
           "Layer │ Weight │ Gradient",
           "│ 0.20   │ 0.00144 ✓ │ getting weak ✓",
           "│ 2.70   │ 124.7400 ✓ │ exploding ✓",
           "│ 1.20   │ 0.9504 ✓ │ healthy ✓",
           "Final gradient: 0.00144 (it started at 1.0)",
           "Final gradient: 124.74 (it started at 1.0)",
           "Final gradient: 0.9504 (it started at 1.0)",
           "│ -0.000432 ✓ │ vanishing ✓",
           "Sigmoid chain: backward pass (target 0.5)",
           "ReLU chain: backward pass (target 0.5)",
           "Size of your dL/dW per layer, log scale",
           "████████",
           "Lesson 5 passed",
       }) {
    EXPECT_NE(std::string::npos, output.text.find(line)) << line << "\n" << output.text;
  }
}

TEST(LessonFiveCommand, PlainOutputIsAscii) {
  CommandOutput output = run_runner("lesson 5 --plain --exercise " + kSolution.string());
  EXPECT_EQ(0, output.status) << output.text;
  for (unsigned char c : output.text) {
    ASSERT_LT(c, 0x80) << output.text;
  }
  EXPECT_NE(std::string::npos, output.text.find("| 0.00144 ok | getting weak ok")) << output.text;
  EXPECT_NE(std::string::npos, output.text.find("########")) << output.text;
}

TEST(LessonFiveCommand, StubExitsOneWithNotImplemented) {
  fs::path workspace = scratch() / "workspace";
  fs::remove_all(workspace);
  CommandOutput output = run_runner("lesson 5 --workspace " + workspace.string());
  EXPECT_EQ(1, output.status) << output.text;
  EXPECT_NE(std::string::npos, output.text.find("not implemented yet")) << output.text;
  EXPECT_EQ(read_file(kLessonDir / "exercise.cpp"),
            read_file(workspace / "05-vanishing-gradients" / "exercise.cpp"));
}

}  // namespace
}  // namespace gradlings::runner
