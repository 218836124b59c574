// The gradient-flow reference against the material's printed numbers, a
// backward pass written out by hand, and central differences.
#include "engine/gradient_flow.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "engine/gradcheck.h"

namespace gradlings::engine {
namespace {

// The hand-written passes differ from the engine's only by rounding in the
// last bits, so agreement to 1e-12 leaves no room for a wrong formula.
constexpr double kTolerance = 1e-12;

TEST(GradientStatus, TestsBoundsInOrder) {
  struct Row {
    double gradient;
    GradientStatus status;
  };
  const Row rows[] = {
      {0.0, GradientStatus::vanishing},       {0.0005, GradientStatus::vanishing},
      {-0.0005, GradientStatus::vanishing},   {0.000999, GradientStatus::vanishing},
      {0.001, GradientStatus::getting_weak},  {0.05, GradientStatus::getting_weak},
      {-0.06, GradientStatus::getting_weak},  {0.1, GradientStatus::healthy},
      {1.0, GradientStatus::healthy},         {10.0, GradientStatus::healthy},
      {10.5, GradientStatus::getting_large},  {-46.2, GradientStatus::getting_large},
      {100.0, GradientStatus::getting_large}, {100.5, GradientStatus::exploding},
      {-150.0, GradientStatus::exploding},
  };
  for (const Row& row : rows) {
    EXPECT_EQ(row.status, gradient_status(row.gradient)) << row.gradient;
  }
}

TEST(GradientStatus, NamesMatchTrace) {
  EXPECT_EQ("vanishing", gradient_status_name(GradientStatus::vanishing));
  EXPECT_EQ("exploding", gradient_status_name(GradientStatus::exploding));
  EXPECT_EQ("getting weak", gradient_status_name(GradientStatus::getting_weak));
  EXPECT_EQ("getting large", gradient_status_name(GradientStatus::getting_large));
  EXPECT_EQ("healthy", gradient_status_name(GradientStatus::healthy));
}

// The three tables of the material: final gradients 0.00144, 124.74 and
// 0.9504, and the status of every layer.
TEST(GradientFlow, MatchesMaterialTables) {
  struct Table {
    std::vector<double> weights;
    std::vector<double> gradients;
    std::vector<GradientStatus> statuses;
  };
  using S = GradientStatus;
  const Table tables[] = {
      {{0.3, 0.2, 0.4, 0.3, 0.2},
       {0.3, 0.06, 0.024, 0.0072, 0.00144},
       {S::healthy, S::getting_weak, S::getting_weak, S::getting_weak, S::getting_weak}},
      {{2.5, 3.0, 2.8, 2.2, 2.7},
       {2.5, 7.5, 21.0, 46.2, 124.74},
       {S::healthy, S::healthy, S::getting_large, S::getting_large, S::exploding}},
      {{1.1, 0.9, 1.0, 0.8, 1.2},
       {1.1, 0.99, 0.99, 0.792, 0.9504},
       {S::healthy, S::healthy, S::healthy, S::healthy, S::healthy}},
  };
  for (const Table& table : tables) {
    std::vector<double> gradients = gradient_flow(1.0, table.weights);
    ASSERT_EQ(table.gradients.size(), gradients.size());
    for (std::size_t k = 0; k < gradients.size(); ++k) {
      EXPECT_NEAR(table.gradients[k], gradients[k], kTolerance) << "layer " << k + 1;
      EXPECT_EQ(table.statuses[k], gradient_status(gradients[k])) << "layer " << k + 1;
    }
  }
}

TEST(GradientFlow, ScalesWithInitialGradient) {
  std::vector<double> gradients = gradient_flow(-2.0, {0.5, -3.0});
  ASSERT_EQ(2u, gradients.size());
  EXPECT_EQ(-1.0, gradients[0]);
  EXPECT_EQ(3.0, gradients[1]);
}

TEST(GradientFlow, EmptyWeightsGiveNoGradients) { EXPECT_TRUE(gradient_flow(1.0, {}).empty()); }

double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

// The chain rule for the deep chain, one unit at a time, written out
// independently of the engine.
struct HandPass {
  std::vector<std::vector<double>> z, a, dL_da, da_dz, dL_dz;
  std::vector<std::vector<std::vector<double>>> dL_dW;
};

HandPass hand_pass(const DeepChain& chain) {
  HandPass p;
  std::size_t layers = chain.weights.size();
  std::vector<double> input(chain.x.data(), chain.x.data() + chain.x.rows());
  std::vector<std::vector<double>> inputs;
  for (std::size_t l = 0; l < layers; ++l) {
    const Matrix& w = chain.weights[l];
    std::vector<double> z(w.rows(), 0.0), a(w.rows(), 0.0), slope(w.rows(), 1.0);
    for (Eigen::Index i = 0; i < w.rows(); ++i) {
      for (Eigen::Index j = 0; j < w.cols(); ++j) {
        z[i] += w(i, j) * input[j];
      }
      a[i] = z[i];
      if (l + 1 < layers && chain.activation == Activation::sigmoid) {
        a[i] = sigmoid(z[i]);
        slope[i] = a[i] * (1 - a[i]);
      } else if (l + 1 < layers) {
        a[i] = z[i] > 0 ? z[i] : 0;
        slope[i] = z[i] > 0 ? 1 : 0;
      }
    }
    inputs.push_back(input);
    p.z.push_back(z);
    p.a.push_back(a);
    p.da_dz.push_back(slope);
    input = a;
  }

  p.dL_da.resize(layers);
  p.dL_dz.resize(layers);
  p.dL_dW.resize(layers);
  p.dL_da[layers - 1] = {p.a[layers - 1][0] - chain.target};
  for (std::size_t l = layers; l-- > 0;) {
    const Matrix& w = chain.weights[l];
    p.dL_dz[l].resize(w.rows());
    p.dL_dW[l].assign(w.rows(), std::vector<double>(w.cols()));
    if (l > 0) {
      p.dL_da[l - 1].assign(w.cols(), 0.0);
    }
    for (Eigen::Index i = 0; i < w.rows(); ++i) {
      p.dL_dz[l][i] = p.dL_da[l][i] * p.da_dz[l][i];
      for (Eigen::Index j = 0; j < w.cols(); ++j) {
        p.dL_dW[l][i][j] = p.dL_dz[l][i] * inputs[l][j];
        if (l > 0) {
          p.dL_da[l - 1][j] += w(i, j) * p.dL_dz[l][i];
        }
      }
    }
  }
  return p;
}

// Three layers: 3 -> 3 -> 3 -> 1, with a negative pre-activation in layer 1.
DeepChain small_chain(Activation activation) {
  DeepChain chain;
  chain.activation = activation;
  Matrix w1(3, 3), w2(3, 3), w3(1, 3), x(3, 1);
  w1 << 0.4, -0.7, 0.2, -0.9, 0.3, -0.5, 0.6, 0.8, -0.1;
  w2 << -0.3, 0.5, 0.9, 0.7, -0.2, 0.4, 0.1, 0.6, -0.8;
  w3 << 0.5, -0.6, 0.7;
  x << 0.9, -0.4, 0.3;
  chain.weights = {w1, w2, w3};
  chain.x = x;
  chain.target = 0.25;
  return chain;
}

void expect_matches_hand_pass(const DeepChain& chain) {
  ChainPass pass = deep_chain_pass(chain);
  HandPass hand = hand_pass(chain);
  ASSERT_EQ(chain.weights.size(), pass.layers.size());
  for (std::size_t l = 0; l < pass.layers.size(); ++l) {
    const ChainLayer& layer = pass.layers[l];
    for (Eigen::Index i = 0; i < layer.z.rows(); ++i) {
      EXPECT_NEAR(hand.z[l][i], layer.z(i, 0), kTolerance) << "layer " << l + 1;
      EXPECT_NEAR(hand.a[l][i], layer.a(i, 0), kTolerance) << "layer " << l + 1;
      EXPECT_NEAR(hand.dL_da[l][i], layer.dL_da(i, 0), kTolerance) << "layer " << l + 1;
      EXPECT_NEAR(hand.da_dz[l][i], layer.da_dz(i, 0), kTolerance) << "layer " << l + 1;
      EXPECT_NEAR(hand.dL_dz[l][i], layer.dL_dz(i, 0), kTolerance) << "layer " << l + 1;
      for (Eigen::Index j = 0; j < layer.dL_dW.cols(); ++j) {
        EXPECT_NEAR(hand.dL_dW[l][i][j], layer.dL_dW(i, j), kTolerance) << "layer " << l + 1;
      }
    }
  }
  double y = hand.a.back()[0];
  EXPECT_NEAR(0.5 * (y - chain.target) * (y - chain.target), pass.loss, kTolerance);
}

TEST(DeepChain, SigmoidMatchesHandWrittenBackprop) {
  expect_matches_hand_pass(small_chain(Activation::sigmoid));
}

TEST(DeepChain, ReluMatchesHandWrittenBackprop) {
  expect_matches_hand_pass(small_chain(Activation::relu));
}

TEST(DeepChain, DeadReluUnitPassesNoGradient) {
  DeepChain chain = small_chain(Activation::relu);
  ChainPass pass = deep_chain_pass(chain);
  // z of layer 1, unit 2: -0.9*0.9 + 0.3*(-0.4) - 0.5*0.3 = -1.08.
  const ChainLayer& first = pass.layers[0];
  ASSERT_NEAR(-1.08, first.z(1, 0), kTolerance);
  EXPECT_EQ(0.0, first.a(1, 0));
  EXPECT_EQ(0.0, first.da_dz(1, 0));
  EXPECT_EQ(0.0, first.dL_dz(1, 0));
  EXPECT_EQ(0.0, first.dL_dW.row(1).norm());
  EXPECT_NE(0.0, first.dL_da(1, 0));
}

TEST(DeepChain, LastLayerIsLinear) {
  ChainPass pass = deep_chain_pass(small_chain(Activation::sigmoid));
  const ChainLayer& last = pass.layers.back();
  EXPECT_EQ(last.z(0, 0), last.a(0, 0));
  EXPECT_EQ(1.0, last.da_dz(0, 0));
  EXPECT_EQ(last.dL_da(0, 0), last.dL_dz(0, 0));
}

TEST(DeepChain, LossAloneMatchesPass) {
  DeepChain chain = small_chain(Activation::relu);
  EXPECT_EQ(deep_chain_pass(chain).loss, deep_chain_loss(chain));
}

TEST(DeepChain, GradientsMatchCentralDifferences) {
  for (Activation activation : {Activation::sigmoid, Activation::relu}) {
    DeepChain chain = small_chain(activation);
    ChainPass pass = deep_chain_pass(chain);
    auto loss = [&](const std::vector<Matrix>& weights) {
      DeepChain copy = chain;
      copy.weights = weights;
      return deep_chain_loss(copy);
    };
    std::vector<Matrix> numerical = numerical_gradient(loss, chain.weights, 1e-5);
    for (std::size_t l = 0; l < numerical.size(); ++l) {
      for (Eigen::Index k = 0; k < numerical[l].size(); ++k) {
        EXPECT_TRUE(within_tolerance(pass.layers[l].dL_dW.data()[k], numerical[l].data()[k],
                                     Tolerance{1e-9, 1e-6}))
            << "layer " << l + 1 << ", entry " << k;
      }
    }
  }
}

// One unit per layer: with sigmoid units and weights of 0.5, each layer scales
// the gradient by 0.5 * sigmoid'(z) <= 0.125, so eleven layers shrink it below
// 0.125^11 = 3.6e-10. With ReLU units, weights of 1 and a positive input,
// every unit passes the gradient on unchanged.
TEST(DeepChain, SigmoidVanishesWhereReluDoesNot) {
  DeepChain chain;
  chain.x = Matrix::Constant(1, 1, 0.5);
  chain.target = -1.0;
  chain.activation = Activation::sigmoid;
  chain.weights.assign(12, Matrix::Constant(1, 1, 0.5));
  ChainPass sigmoid_pass = deep_chain_pass(chain);
  double sigmoid_ratio =
      std::abs(sigmoid_pass.layers.front().dL_dW(0, 0) / sigmoid_pass.layers.back().dL_dW(0, 0));
  EXPECT_LT(sigmoid_ratio, 3.6e-10);

  chain.activation = Activation::relu;
  chain.weights.assign(12, Matrix::Constant(1, 1, 1.0));
  ChainPass relu_pass = deep_chain_pass(chain);
  for (const ChainLayer& layer : relu_pass.layers) {
    EXPECT_NEAR((0.5 - chain.target) * 0.5, layer.dL_dW(0, 0), kTolerance);
  }
}

TEST(DeepChain, RejectsInvalidShapes) {
  DeepChain chain = small_chain(Activation::sigmoid);
  DeepChain no_layers = chain;
  no_layers.weights.clear();
  EXPECT_THROW(deep_chain_pass(no_layers), std::invalid_argument);

  DeepChain wide_output = chain;
  wide_output.weights.back() = Matrix::Zero(2, 3);
  EXPECT_THROW(deep_chain_pass(wide_output), std::invalid_argument);

  DeepChain mismatch = chain;
  mismatch.weights[1] = Matrix::Zero(3, 2);
  EXPECT_THROW(deep_chain_pass(mismatch), std::invalid_argument);

  DeepChain row_input = chain;
  row_input.x = Matrix::Zero(1, 3);
  EXPECT_THROW(deep_chain_pass(row_input), std::invalid_argument);
}

}  // namespace
}  // namespace gradlings::engine
