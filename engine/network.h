// The reference for the network lessons: a fully connected network of any
// layer sizes, a sigmoid on every layer and the loss L = 0.5 * sum((y - t)^2)
// of one sample. Layer l computes z = W a + b and a = sigmoid(z) from the
// previous layer's a, or from the input x for the first layer. Every value
// and gradient comes from the autodiff engine, not from hand-written formulas.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/autodiff.h"

namespace gradlings::engine {

/// One fully connected layer.
struct DenseLayer {
  Matrix W;  // units x inputs: W(j, i) is the weight from input i to unit j
  Matrix b;  // units x 1: the bias of each unit
};

/// The weights of a network, first layer first.
using NetworkParams = std::vector<DenseLayer>;

/// One training or test example, both as column vectors.
struct NetworkSample {
  Matrix x;       // inputs x 1
  Matrix target;  // outputs x 1
};

/// Every value of one forward and backward pass on one sample. Each vector
/// has one entry per layer, first layer first.
struct NetworkPass {
  std::vector<Matrix> z;  // pre-activations, units x 1
  std::vector<Matrix> a;  // sigmoid(z); a.back() is the prediction
  double loss = 0;
  std::vector<Matrix> delta;  // dL/dz, units x 1
  std::vector<Matrix> dW;     // dL/dW, shaped like W
  std::vector<Matrix> db;     // dL/db, units x 1
};

/// Runs the forward pass, the loss and backward() on one sample. Throws
/// std::invalid_argument when the layers do not chain or the sample does not
/// fit the network.
NetworkPass network_pass(const NetworkParams& params, const NetworkSample& sample);

/// Returns the network's output for `x`, units x 1. Throws as network_pass.
Matrix network_output(const NetworkParams& params, const Matrix& x);

/// Returns the loss of one sample alone, for the numerical gradient checker.
double network_loss(const NetworkParams& params, const NetworkSample& sample);

/// Returns the mean of network_loss over `samples`, or 0 when there are none.
double average_loss(const NetworkParams& params, const std::vector<NetworkSample>& samples);

/// Returns params - learning_rate * gradient, with the gradients of `pass`.
NetworkParams sgd_update(const NetworkParams& params, const NetworkPass& pass,
                         double learning_rate);

/// Runs one epoch of stochastic gradient descent: for each sample in order, a
/// pass at the current weights and then one update.
NetworkParams train_epoch(NetworkParams params, const std::vector<NetworkSample>& samples,
                          double learning_rate);

/// Returns the weights after each of `epochs` epochs of train_epoch(), with
/// `params` itself first, so the result has epochs + 1 entries.
std::vector<NetworkParams> training_trajectory(NetworkParams params,
                                               const std::vector<NetworkSample>& samples,
                                               double learning_rate, int epochs);

/// The SplitMix64 generator of Steele, Lea and Flood (2014), whose output is
/// fixed by its definition. lessons/harness/network.h carries the same
/// generator, so the learner's program draws the same weights as the runner.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next();

  /// Returns a number in [low, high) from the top 53 bits of next().
  double uniform(double low, double high);

 private:
  std::uint64_t state_;
};

/// Returns a network of the given widths (at least two, each at least one)
/// with W(j, i) = uniform(-1, 1) * sqrt(2 / inputs), drawn row by row, layer by
/// layer, from SplitMix64(seed), and every bias 0. Throws
/// std::invalid_argument for invalid sizes.
NetworkParams random_network(const std::vector<int>& sizes, std::uint64_t seed);

}  // namespace gradlings::engine
