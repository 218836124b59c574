// The network kind without compiling anything: reading its YAML, drawing the
// hidden cases, the harness input, the shape names, the loss plot, and the
// numbers that the explanations of lessons 3 and 7 quote.
#include "engine/network.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>

#include "engine/gradcheck.h"
#include "runner/kinds/network.h"
#include "runner/lesson.h"
#include "tests/runner/lesson_support.h"

namespace gradlings::runner {
namespace {

using namespace lesson_support;

const char* const kSpec = R"(cases:
  - name: public
    sizes: [2, 2, 1]
    weights:
      - W: [[0.1, 0.2], [0.3, 0.4]]
        b: [0.1, 0.2]
      - W: [[0.5, 0.6]]
        b: [0.1]
    learning_rate: 1.0
    function: XOR
    samples:
      - {x: [0, 1], target: [1]}
    tests: []
    epochs: 10
    checkpoint_every: 4
hidden:
  - draw: weights
    seed: 3
    count: 2
    base: public
    epochs: 5
    checkpoint_every: 5
)";

NetworkSpec parse(const std::string& text) {
  return parse_network_spec(YamlDoc::parse(text, "lesson.yaml"));
}

// Returns the message of the Error that parsing `text` throws, or "".
std::string parse_error(const std::string& text) {
  return error_message([&] { parse(text); });
}

TEST(NetworkSpec, ReadsWeightsSamplesAndHiddenGroups) {
  NetworkSpec spec = parse(kSpec);
  ASSERT_EQ(1u, spec.cases.size());
  const NetworkCase& c = spec.cases[0];
  EXPECT_EQ((std::vector<int>{2, 2, 1}), c.sizes);
  EXPECT_FALSE(c.seed);
  EXPECT_EQ(0.3, c.start[0].W(1, 0));
  EXPECT_EQ(0.6, c.start[1].W(0, 1));
  EXPECT_EQ(0.2, c.start[0].b(1, 0));
  EXPECT_EQ((std::vector<double>{0, 1}), c.samples[0].x);
  EXPECT_EQ("XOR", c.function);
  ASSERT_EQ(1u, spec.hidden.size());
  EXPECT_EQ(HiddenNetworks::Draw::weights, spec.hidden[0].draw);
}

TEST(NetworkSpec, RejectsInvalidCasesAtTheirLine) {
  struct Bad {
    std::string from;
    std::string to;
    std::string message;
  };
  const std::vector<Bad> cases = {
      {"    learning_rate: 1.0\n", "    seed: 4\n    learning_rate: 1.0\n",
       "lesson.yaml:2:5: a case needs exactly one of 'weights' and 'seed'"},
      {"{x: [0, 1], target: [1]}", "{x: [0, 1, 2], target: [1]}",
       "lesson.yaml:12:13: 'x' has 3 entries, but the input layer needs 2"},
      {"[[0.5, 0.6]]", "[[0.5]]",
       "lesson.yaml:7:13: a row of 'W' has 1 entries, but layer 1 takes 2 inputs"},
      {"sizes: [2, 2, 1]", "sizes: [2, 0, 1]",
       "lesson.yaml:3:12: each width in 'sizes' must be a whole number from 1 to 16"},
      {"    function: XOR\n", "    fuction: XOR\n", "unknown key 'fuction' in a case"},
      {"base: public", "base: private", "lesson.yaml:20:11: no public case is named 'private'"},
      {"draw: weights", "draw: inputs", "'draw' must be 'weights' or 'shapes', not 'inputs'"},
      {"draw: weights", "draw: shapes",
       "missing key 'layers' in a group of 'hidden' with 'draw: shapes'"},
      {"    epochs: 5\n", "    epochs: 5\n    width: [1, 8]\n",
       "lesson.yaml:22:12: 'width' needs 'draw: shapes'"},
      {"    epochs: 10\n", "    epochs: 10001\n", "'epochs' must be between 0 and 10000"},
  };
  for (const Bad& bad : cases) {
    std::string message = parse_error(replace_first(kSpec, bad.from, bad.to));
    EXPECT_NE(std::string::npos, message.find(bad.message)) << message;
  }
}

TEST(NetworkSpec, CheckpointsIncludeFirstAndLast) {
  NetworkCase c = parse(kSpec).cases[0];
  EXPECT_EQ((std::vector<int>{0, 1, 4, 8, 10}), checkpoint_epochs(c));
  c.epochs = 0;
  EXPECT_TRUE(checkpoint_epochs(c).empty());
}

TEST(NetworkSpec, HiddenWeightsComeFromDrawnSeeds) {
  NetworkSpec spec = parse(kSpec);
  std::vector<NetworkCase> cases = network_cases(spec);
  ASSERT_EQ(3u, cases.size());
  for (std::size_t i = 1; i < cases.size(); ++i) {
    const NetworkCase& c = cases[i];
    EXPECT_EQ(fmt::format("hidden {}", i), c.name);
    EXPECT_TRUE(c.hidden);
    ASSERT_TRUE(c.seed);
    EXPECT_EQ(spec.cases[0].sizes, c.sizes);
    EXPECT_EQ(spec.cases[0].samples[0].x, c.samples[0].x);
    EXPECT_EQ(5, c.epochs);
    EXPECT_EQ(engine::random_network(c.sizes, *c.seed)[0].W, c.start[0].W);
  }
  EXPECT_NE(*cases[1].seed, *cases[2].seed);
  EXPECT_EQ(*cases[1].seed, *network_cases(spec)[1].seed);
}

TEST(NetworkSpec, LessonSevenDrawsShapesWithinRanges) {
  Lesson lesson = load_lesson(kRoot / "lessons" / "07-network-from-scratch");
  std::vector<NetworkCase> cases = network_cases(spec_as<NetworkSpec>(lesson.spec));
  std::vector<int> depths(5, 0);
  for (const NetworkCase& c : cases) {
    // The header's random_network() draws every starting network.
    EXPECT_TRUE(c.seed) << c.name;
    if (!c.hidden || c.samples.size() != 2) {
      continue;
    }
    int depth = static_cast<int>(c.sizes.size()) - 1;
    ASSERT_GE(depth, 1);
    ASSERT_LE(depth, 4);
    ++depths[depth];
    for (int width : c.sizes) {
      EXPECT_GE(width, 1);
      EXPECT_LE(width, 8);
    }
    for (const NetworkPoint& sample : c.samples) {
      ASSERT_EQ(static_cast<std::size_t>(c.sizes.front()), sample.x.size());
      ASSERT_EQ(static_cast<std::size_t>(c.sizes.back()), sample.target.size());
      for (double x : sample.x) {
        EXPECT_LE(std::abs(x), 1.0);
      }
      for (double target : sample.target) {
        EXPECT_GE(target, 0.05);
        EXPECT_LE(target, 0.95);
      }
    }
    EXPECT_TRUE(c.tests.empty());
  }
  for (int depth = 1; depth <= 4; ++depth) {
    EXPECT_GT(depths[depth], 0) << "no hidden network of depth " << depth;
  }
}

// The test point of lesson 7 is predicted, never trained on.
TEST(NetworkSpec, LessonSevenNeverTrainsOnTestPoint) {
  Lesson lesson = load_lesson(kRoot / "lessons" / "07-network-from-scratch");
  const NetworkCase& squares = spec_as<NetworkSpec>(lesson.spec).cases.at(0);
  ASSERT_EQ(1u, squares.tests.size());
  EXPECT_EQ(0.7, squares.tests[0].x[0]);
  for (const NetworkPoint& sample : squares.samples) {
    EXPECT_NE(0.7, sample.x[0]);
  }
  std::string input = network_input({squares}, 1e-6);
  EXPECT_NE(std::string::npos, input.find("\ntest 0.69999999999999996 0.48999999999999999\n"))
      << input;
  EXPECT_EQ(std::string::npos, input.find("sample 0.69999999999999996")) << input;
}

TEST(NetworkInput, WritesEveryFieldWithFullPrecision) {
  NetworkCase c = parse(kSpec).cases[0];
  EXPECT_EQ(
      "case 0\n"
      "sizes 2 2 1\n"
      "weights 0.10000000000000001 0.20000000000000001 0.29999999999999999 0.40000000000000002 "
      "0.10000000000000001 0.20000000000000001 0.5 0.59999999999999998 0.10000000000000001\n"
      "learning_rate 1\n"
      "gradient_step 9.9999999999999995e-07\n"
      "sample 0 1 1\n"
      "epochs 10\n"
      "checkpoints 0 1 4 8 10\n",
      network_input({c}, 1e-6));
  c.seed = 42;
  EXPECT_NE(std::string::npos, network_input({c}, 1e-6).find("\nseed 42\n"));
}

TEST(NetworkShapes, NamesTheSizeEachVectorNeeds) {
  const std::vector<int> sizes = {3, 4, 2};
  const std::vector<std::pair<std::string, double>> expected = {
      {"pass.x.size()", 3},
      {"pass.z.size()", 2},
      {"pass.a[1].size()", 2},
      {"gradients.layers.size()", 2},
      {"gradients.layers[0].delta.size()", 4},
      {"gradients.layers[1].dW.size()", 2},
      {"gradients.layers[1].dW[0].size()", 4},
      {"gradients.layers[0].dW[3].size()", 3},
      {"updated.layers[0].b.size()", 4},
      {"trained.layers[1].W[1].size()", 4},
  };
  for (const auto& [name, size] : expected) {
    StepValues step;
    step.values.emplace_back(name, 99);
    std::string owner = name.substr(0, name.find('.'));
    std::optional<Check> check = shape_check(step, owner, sizes);
    ASSERT_TRUE(check) << name;
    EXPECT_EQ(name, check->label);
    EXPECT_EQ(size, check->expected) << name;
    EXPECT_EQ(99, *check->actual);
  }
  StepValues values;
  values.values.emplace_back("z[0][0]", 0.5);
  EXPECT_FALSE(shape_check(values, "pass", sizes));
}

TEST(LossPlot, ShowsPlateauThenDrop) {
  std::vector<double> losses(100, 0.125);
  for (std::size_t e = 60; e < losses.size(); ++e) {
    losses[e] = 0.001;
  }
  std::vector<std::string> lines = loss_plot(losses, 4, 20);
  ASSERT_EQ(6u, lines.size());
  EXPECT_EQ("0.125 │████████████        ", lines[0]);
  EXPECT_EQ("    0 │████████████        ", lines[3]);
  EXPECT_EQ("      └────────────────────", lines[4]);
  EXPECT_EQ("       0                 99 epochs", lines[5]);
}

TEST(LossPlot, SkipsValuesThatAreNotFinite) {
  std::vector<std::string> lines = loss_plot({1.0, NAN, INFINITY, 0.5}, 2, 4);
  ASSERT_EQ(4u, lines.size());
  EXPECT_EQ("1.000 │█   ", lines[0]);
  EXPECT_EQ("    0 │█  █", lines[1]);
  EXPECT_TRUE(loss_plot({}, 4, 20).empty());
}

// The numbers the lesson explanations quote, recomputed with the engine, so
// the text cannot drift from what the lessons compute.

std::string explanation(const std::string& slug) {
  return load_lesson(kRoot / "lessons" / slug).explanation;
}

engine::NetworkSample sample(double x0, double x1, double target) {
  return to_engine({{x0, x1}, {target}});
}

std::vector<engine::NetworkSample> xor_samples() {
  return {sample(0, 0, 0), sample(0, 1, 1), sample(1, 0, 1), sample(1, 1, 0)};
}

engine::NetworkParams xor_start() {
  Lesson lesson = load_lesson(kRoot / "lessons" / "03-xor");
  return spec_as<NetworkSpec>(lesson.spec).cases.at(0).start;
}

// The update lesson 3 shows stalling: both sigmoid derivatives dropped and
// the error scaled by 0.1 at each layer. It is the mistake under study, so
// it is written out by hand; only the activations come from the engine.
struct RuleStep {
  std::vector<engine::Matrix> dW, db;
};

RuleStep scaled_rule(const engine::NetworkParams& params, const engine::NetworkSample& s) {
  engine::NetworkPass pass = engine::network_pass(params, s);
  RuleStep step{std::vector<engine::Matrix>(params.size()),
                std::vector<engine::Matrix>(params.size())};
  engine::Matrix delta = 0.1 * (pass.a.back() - s.target);
  for (std::size_t l = params.size(); l-- > 0;) {
    const engine::Matrix& input = l == 0 ? s.x : pass.a[l - 1];
    step.dW[l] = delta * input.transpose();
    step.db[l] = delta;
    delta = 0.1 * (params[l].W.transpose() * delta);
  }
  return step;
}

std::vector<engine::Matrix> numerical_gradients(const engine::NetworkParams& params,
                                                const engine::NetworkSample& s) {
  std::vector<engine::Matrix> at;
  for (const engine::DenseLayer& layer : params) {
    at.push_back(layer.W);
    at.push_back(layer.b);
  }
  auto loss = [&](const std::vector<engine::Matrix>& flat) {
    engine::NetworkParams perturbed = params;
    for (std::size_t l = 0; l < perturbed.size(); ++l) {
      perturbed[l].W = flat[2 * l];
      perturbed[l].b = flat[2 * l + 1];
    }
    return engine::network_loss(perturbed, s);
  };
  return engine::numerical_gradient(loss, at, 1e-6);
}

// Expects `text` to contain `quote`, comparing every run of white space as
// one space, so rewrapping the explanation does not matter.
void expect_quoted(const std::string& text, const std::string& quote) {
  auto squeeze = [](const std::string& value) {
    std::string out;
    for (char c : value) {
      bool space = c == ' ' || c == '\n';
      if (!space || out.empty() || out.back() != ' ') {
        out += space ? ' ' : c;
      }
    }
    return out;
  };
  EXPECT_NE(std::string::npos, squeeze(text).find(squeeze(quote)))
      << "the explanation does not quote '" << quote << "'";
}

TEST(LessonThreeExplanation, QuotesTrueGradientTrajectory) {
  std::string text = explanation("03-xor");
  std::vector<engine::NetworkSample> samples = xor_samples();
  std::vector<engine::NetworkParams> trajectory =
      engine::training_trajectory(xor_start(), samples, 1.0, 2000);

  for (int epoch : {200, 400, 800, 1200, 2000}) {
    expect_quoted(text, fmt::format("{:.4f}", engine::average_loss(trajectory[epoch], samples)));
  }
  for (const engine::NetworkSample& s : samples) {
    expect_quoted(text,
                  fmt::format("{:.3f}", engine::network_output(trajectory.back(), s.x)(0, 0)));
  }
  EXPECT_NEAR(0.125, engine::average_loss(trajectory[400], samples), 0.001);
}

TEST(LessonThreeExplanation, QuotesScaledRuleNumbers) {
  std::string text = explanation("03-xor");
  std::vector<engine::NetworkSample> samples = xor_samples();
  engine::NetworkParams start = xor_start();

  RuleStep rule = scaled_rule(start, samples[0]);
  engine::NetworkPass truth = engine::network_pass(start, samples[0]);
  std::vector<engine::Matrix> numerical = numerical_gradients(start, samples[0]);
  double output_rule = rule.dW[1](0, 0);
  double hidden_rule = rule.db[0](0, 0);
  expect_quoted(text, fmt::format("{:.4f} instead of {:.4f}, {:.1f} times", output_rule,
                                  truth.dW[1](0, 0), truth.dW[1](0, 0) / output_rule));
  expect_quoted(text, fmt::format("{:.4f} instead of {:.4f}, {:.1f} times", hidden_rule,
                                  truth.db[0](0, 0), truth.db[0](0, 0) / hidden_rule));
  expect_quoted(text, fmt::format("relative error of {:.2f} on layers[1].W[0][0]",
                                  engine::relative_error(output_rule, numerical[2](0, 0))));
  expect_quoted(text, fmt::format("{:.2f} on layers[0].b[0]",
                                  engine::relative_error(hidden_rule, numerical[1](0, 0))));

  engine::NetworkParams params = start;
  for (int epoch = 0; epoch < 2000; ++epoch) {
    for (const engine::NetworkSample& s : samples) {
      RuleStep step = scaled_rule(params, s);
      for (std::size_t l = 0; l < params.size(); ++l) {
        params[l].W -= step.dW[l];
        params[l].b -= step.db[l];
      }
    }
  }
  for (const engine::NetworkSample& s : samples) {
    double prediction = engine::network_output(params, s.x)(0, 0);
    expect_quoted(text, fmt::format("{:.3f}", prediction));
    EXPECT_NEAR(0.5, prediction, 0.01);
  }
  expect_quoted(text, fmt::format("average loss of {:.4f}", engine::average_loss(params, samples)));
}

TEST(LessonSevenExplanation, QuotesOneThirdForMissingHalf) {
  std::string text = explanation("07-network-from-scratch");
  engine::NetworkParams params = engine::random_network({1, 2, 1}, 1);
  engine::NetworkSample s = to_engine({{0.5}, {0.25}});
  engine::NetworkPass pass = engine::network_pass(params, s);
  std::vector<engine::Matrix> halved = numerical_gradients(params, s);

  // The loss without the half is twice the loss, and so is its derivative.
  for (std::size_t l = 0; l < params.size(); ++l) {
    for (Eigen::Index k = 0; k < pass.dW[l].size(); ++k) {
      double error = engine::relative_error(pass.dW[l](k), 2 * halved[2 * l](k));
      EXPECT_NEAR(1.0 / 3.0, error, 1e-6);
      expect_quoted(text, fmt::format("shown as {:.1e}", error));
    }
  }
}

TEST(LessonSevenExplanation, QuotesHeldOutPrediction) {
  std::string text = explanation("07-network-from-scratch");
  Lesson lesson = load_lesson(kRoot / "lessons" / "07-network-from-scratch");
  const NetworkCase& squares = spec_as<NetworkSpec>(lesson.spec).cases.at(0);
  std::vector<engine::NetworkSample> samples;
  for (const NetworkPoint& point : squares.samples) {
    samples.push_back(to_engine(point));
  }
  engine::NetworkParams trained =
      engine::training_trajectory(squares.start, samples, squares.learning_rate, squares.epochs)
          .back();
  expect_quoted(
      text, fmt::format("average training loss is {:.4f}", engine::average_loss(trained, samples)));
  double prediction = engine::network_output(trained, to_engine(squares.tests[0]).x)(0, 0);
  expect_quoted(text, fmt::format("prediction for 0.7 is {:.3f}", prediction));
  EXPECT_NEAR(0.49, prediction, 0.01);
}

}  // namespace
}  // namespace gradlings::runner
