// The network reference against hand-derived values, the numerical checker,
// PyTorch's numbers and the learner header's own weight initializer.
#include "engine/network.h"

#include <gtest/gtest.h>

#include <cmath>

#include "engine/gradcheck.h"
#include "lessons/harness/network.h"

namespace gradlings::engine {
namespace {

double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

// Hand-derived closed forms agree to 1e-12, which leaves room only for
// rounding.
constexpr double kTolerance = 1e-12;

// The XOR network of lesson 3.
NetworkParams xor_network() {
  NetworkParams params(2);
  params[0].W = Matrix(2, 2);
  params[0].W << 0.1, 0.2, 0.3, 0.4;
  params[0].b = Matrix(2, 1);
  params[0].b << 0.1, 0.2;
  params[1].W = Matrix(1, 2);
  params[1].W << 0.5, 0.6;
  params[1].b = Matrix::Constant(1, 1, 0.1);
  return params;
}

NetworkSample sample(std::vector<double> x, std::vector<double> target) {
  NetworkSample s;
  s.x = Eigen::Map<Eigen::VectorXd>(x.data(), static_cast<Eigen::Index>(x.size()));
  s.target = Eigen::Map<Eigen::VectorXd>(target.data(), static_cast<Eigen::Index>(target.size()));
  return s;
}

std::vector<NetworkSample> xor_samples() {
  return {sample({0, 0}, {0}), sample({0, 1}, {1}), sample({1, 0}, {1}), sample({1, 1}, {0})};
}

TEST(NetworkReference, MatchesHandDerivedChainRule) {
  NetworkParams p = xor_network();
  double x0 = 1.0;
  double x1 = 0.0;
  double t = 1.0;
  NetworkPass pass = network_pass(p, sample({x0, x1}, {t}));

  double z00 = 0.1 * x0 + 0.2 * x1 + 0.1;
  double z01 = 0.3 * x0 + 0.4 * x1 + 0.2;
  double h0 = sigmoid(z00);
  double h1 = sigmoid(z01);
  double z1 = 0.5 * h0 + 0.6 * h1 + 0.1;
  double y = sigmoid(z1);
  double d1 = (y - t) * y * (1 - y);
  double d00 = d1 * 0.5 * h0 * (1 - h0);
  double d01 = d1 * 0.6 * h1 * (1 - h1);

  EXPECT_NEAR(z00, pass.z[0](0, 0), kTolerance);
  EXPECT_NEAR(z01, pass.z[0](1, 0), kTolerance);
  EXPECT_NEAR(h1, pass.a[0](1, 0), kTolerance);
  EXPECT_NEAR(z1, pass.z[1](0, 0), kTolerance);
  EXPECT_NEAR(y, pass.a[1](0, 0), kTolerance);
  EXPECT_NEAR(0.5 * (y - t) * (y - t), pass.loss, kTolerance);
  EXPECT_NEAR(d1, pass.delta[1](0, 0), kTolerance);
  EXPECT_NEAR(d1, pass.db[1](0, 0), kTolerance);
  EXPECT_NEAR(d1 * h0, pass.dW[1](0, 0), kTolerance);
  EXPECT_NEAR(d1 * h1, pass.dW[1](0, 1), kTolerance);
  EXPECT_NEAR(d00, pass.delta[0](0, 0), kTolerance);
  EXPECT_NEAR(d01, pass.delta[0](1, 0), kTolerance);
  EXPECT_NEAR(d00 * x0, pass.dW[0](0, 0), kTolerance);
  EXPECT_NEAR(d01 * x1, pass.dW[0](1, 1), kTolerance);
  EXPECT_NEAR(d01, pass.db[0](1, 0), kTolerance);
}

TEST(NetworkReference, SgdUpdateSubtractsScaledGradient) {
  NetworkParams p = xor_network();
  NetworkPass pass = network_pass(p, sample({0, 1}, {1}));
  NetworkParams next = sgd_update(p, pass, 0.5);
  EXPECT_NEAR(0.2 - 0.5 * pass.dW[0](0, 1), next[0].W(0, 1), kTolerance);
  EXPECT_NEAR(0.1 - 0.5 * pass.db[1](0, 0), next[1].b(0, 0), kTolerance);
}

// Every gradient of networks of depth 1 to 4 and width 1 to 8 against the
// central differences of network_loss.
TEST(NetworkReference, GradientsMatchCentralDifferences) {
  const std::vector<std::vector<int>> shapes = {
      {1, 1}, {3, 2}, {1, 2, 1}, {2, 8, 1}, {4, 3, 5, 2}, {8, 1, 7, 2, 8}, {5, 6, 6, 6, 3}};
  std::uint64_t seed = 11;
  for (const std::vector<int>& sizes : shapes) {
    NetworkParams params = random_network(sizes, seed++);
    SplitMix64 random(seed++);
    NetworkSample s = sample(std::vector<double>(sizes.front()), std::vector<double>(sizes.back()));
    for (Eigen::Index i = 0; i < s.x.rows(); ++i) {
      s.x(i, 0) = random.uniform(-2, 2);
    }
    for (Eigen::Index j = 0; j < s.target.rows(); ++j) {
      s.target(j, 0) = random.uniform(0, 1);
    }

    std::vector<Matrix> at;
    for (const DenseLayer& layer : params) {
      at.push_back(layer.W);
      at.push_back(layer.b);
    }
    auto loss = [&](const std::vector<Matrix>& flat) {
      NetworkParams perturbed = params;
      for (std::size_t l = 0; l < perturbed.size(); ++l) {
        perturbed[l].W = flat[2 * l];
        perturbed[l].b = flat[2 * l + 1];
      }
      return network_loss(perturbed, s);
    };
    std::vector<Matrix> numerical = numerical_gradient(loss, at);
    NetworkPass pass = network_pass(params, s);
    for (std::size_t l = 0; l < params.size(); ++l) {
      for (Eigen::Index k = 0; k < pass.dW[l].size(); ++k) {
        EXPECT_TRUE(within_tolerance(pass.dW[l](k), numerical[2 * l](k), {1e-8, 1e-5}))
            << "sizes[0] " << sizes[0] << ", layer " << l << ", entry " << k;
      }
      for (Eigen::Index k = 0; k < pass.db[l].size(); ++k) {
        EXPECT_TRUE(within_tolerance(pass.db[l](k), numerical[2 * l + 1](k), {1e-8, 1e-5}))
            << "layer " << l << ", entry " << k;
      }
    }
  }
}

// The numbers scripts/network_torch_oracle.py prints: the same 2000 epochs
// in PyTorch 1.13, float64. PyTorch sums in another order, so the bounds are
// 1e-10 for losses and predictions and 1e-9 for weights, not equality.
TEST(NetworkReference, XorTrainingMatchesPyTorch) {
  std::vector<NetworkSample> samples = xor_samples();
  NetworkParams trained = training_trajectory(xor_network(), samples, 1.0, 2000).back();

  EXPECT_NEAR(0.00085040350687112906, average_loss(trained, samples), 1e-10);
  const double predictions[] = {0.0352660571339065, 0.96093629223384169, 0.96062493657306547,
                                0.049831359452478734};
  for (std::size_t k = 0; k < samples.size(); ++k) {
    EXPECT_NEAR(predictions[k], network_output(trained, samples[k].x)(0, 0), 1e-10) << k;
  }
  EXPECT_NEAR(-6.1360958442340925, trained[0].W(0, 0), 1e-9);
  EXPECT_NEAR(6.0799863101607663, trained[0].b(1, 0), 1e-9);
  EXPECT_NEAR(8.1866739614680011, trained[1].W(0, 1), 1e-9);
  EXPECT_NEAR(-3.7894845941521673, trained[1].b(0, 0), 1e-9);
}

TEST(NetworkReference, SquaresTrainingMatchesPyTorch) {
  std::vector<NetworkSample> samples;
  for (double x : {0.1, 0.5, 0.8, 1.0}) {
    samples.push_back(sample({x}, {x * x}));
  }
  NetworkParams trained =
      training_trajectory(random_network({1, 2, 1}, 1), samples, 0.5, 2000).back();

  EXPECT_NEAR(0.0017316715338870636, average_loss(trained, samples), 1e-10);
  EXPECT_NEAR(0.4870425355755249, network_output(trained, sample({0.7}, {0}).x)(0, 0), 1e-10);
  EXPECT_NEAR(4.5922932571417148, trained[0].W(0, 0), 1e-9);
  EXPECT_NEAR(-0.81540044430352776, trained[0].b(1, 0), 1e-9);
  EXPECT_NEAR(6.8582763379598486, trained[1].W(0, 0), 1e-9);
}

TEST(NetworkReference, TrajectoryStartsWithStartingWeights) {
  std::vector<NetworkParams> trajectory = training_trajectory(xor_network(), xor_samples(), 1.0, 3);
  ASSERT_EQ(4u, trajectory.size());
  EXPECT_EQ(xor_network()[0].W, trajectory[0][0].W);
  NetworkParams once = train_epoch(xor_network(), xor_samples(), 1.0);
  EXPECT_EQ(once[1].W, trajectory[1][1].W);
  EXPECT_LT(average_loss(trajectory[3], xor_samples()), average_loss(trajectory[0], xor_samples()));
}

TEST(NetworkReference, ShapeMismatchThrows) {
  EXPECT_THROW(network_pass(xor_network(), sample({1, 2, 3}, {0})), std::invalid_argument);
  EXPECT_THROW(network_pass(xor_network(), sample({1, 2}, {0, 1})), std::invalid_argument);
  EXPECT_THROW(network_pass({}, sample({1}, {0})), std::invalid_argument);
  EXPECT_THROW(random_network({3}, 1), std::invalid_argument);
  EXPECT_THROW(random_network({3, 0, 1}, 1), std::invalid_argument);
}

// The first outputs of SplitMix64 seeded with 0, the values other
// implementations of the algorithm test against.
TEST(SplitMix64, MatchesPublishedSequence) {
  SplitMix64 random(0);
  EXPECT_EQ(0xe220a8397b1dcdafULL, random.next());
  EXPECT_EQ(0x6e789e6aa1b965f4ULL, random.next());
  EXPECT_EQ(0x06c45d188009454fULL, random.next());
}

// The learner's header draws the weights itself, so the two generators must
// agree bit for bit, or no learner could match the reference.
TEST(RandomNetwork, MatchesLearnerHeader) {
  const std::vector<std::vector<int>> shapes = {
      {1, 2, 1}, {2, 2, 1}, {3, 4, 3, 2}, {8, 8, 8, 8, 8}};
  for (const std::vector<int>& sizes : shapes) {
    for (std::uint64_t seed : {0ULL, 1ULL, 7ULL, 123456789ULL, 0xffffffffffffffffULL}) {
      NetworkParams reference = random_network(sizes, seed);
      Network learner = ::random_network(sizes, seed);
      ASSERT_EQ(reference.size(), learner.layers.size());
      for (std::size_t l = 0; l < reference.size(); ++l) {
        for (Eigen::Index j = 0; j < reference[l].W.rows(); ++j) {
          EXPECT_EQ(reference[l].b(j, 0), learner.layers[l].b[j]);
          for (Eigen::Index i = 0; i < reference[l].W.cols(); ++i) {
            EXPECT_EQ(reference[l].W(j, i), learner.layers[l].W[j][i]) << "seed " << seed;
          }
        }
      }
    }
  }
}

TEST(RandomNetwork, ScalesByInputCountAndZeroesBiases) {
  NetworkParams params = random_network({8, 2, 1}, 3);
  double bound = std::sqrt(2.0 / 8);
  EXPECT_LE(params[0].W.cwiseAbs().maxCoeff(), bound);
  EXPECT_GT(params[0].W.cwiseAbs().maxCoeff(), bound / 4);
  EXPECT_LE(params[1].W.cwiseAbs().maxCoeff(), 1.0);
  EXPECT_EQ(0.0, params[0].b.cwiseAbs().maxCoeff());
  EXPECT_NE(random_network({8, 2, 1}, 4)[0].W, params[0].W);
}

}  // namespace
}  // namespace gradlings::engine
