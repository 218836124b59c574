// The reference for the gradient-flow lesson on vanishing and exploding
// gradients. Part one follows a gradient back through a chain of scalar
// weights and sorts each running value by size. Part two is a deep chain of
// dense layers with sigmoid or ReLU units. Every value and every gradient
// comes from the autodiff engine, not from hand-written derivative formulas.
#pragma once

#include <string>
#include <vector>

#include "engine/autodiff.h"

namespace gradlings::engine {

/// The size class of a running gradient.
enum class GradientStatus { vanishing, exploding, getting_weak, getting_large, healthy };

/// Classifies |gradient|, testing in this order: below 0.001 vanishing, above
/// 100 exploding, below 0.1 getting weak, above 10 getting large, otherwise
/// healthy. A NaN is healthy, because every comparison with it is false.
GradientStatus gradient_status(double gradient);

/// Returns the status as the trace prints it: "vanishing", "getting weak", ...
std::string gradient_status_name(GradientStatus status);

/// Sends `initial_gradient` back through one multiplication per weight,
/// weights[0] first, and returns the gradient after each: entry k is
/// initial_gradient * weights[0] * ... * weights[k]. The values are the
/// gradients of the graph g0 * (w0 * (w1 * (... * (w_last * h)))) with
/// respect to its intermediate products, as backward() computes them.
std::vector<double> gradient_flow(double initial_gradient, const std::vector<double>& weights);

enum class Activation { sigmoid, relu };

/// A chain of dense layers without biases. Layer l computes z_l = W_l a_(l-1),
/// with a_0 = x, and a_l = activation(z_l). The last layer is linear, a = z,
/// and has a single unit y. The loss is 0.5 * (y - target)^2.
struct DeepChain {
  Activation activation = Activation::sigmoid;
  std::vector<Matrix> weights;  // W_l, one row per unit of layer l, one column per input
  Matrix x;                     // the input, a column with as many rows as W_1 has columns
  double target = 0;
};

/// Every value of one layer: column vectors with one entry per unit, and
/// dL_dW shaped like W.
struct ChainLayer {
  Matrix z;      // pre-activation
  Matrix a;      // activation, equal to z in the last layer
  Matrix dL_da;  // gradient of the loss with respect to a
  Matrix da_dz;  // the activation's local derivative at z, all ones in the last layer
  Matrix dL_dz;  // gradient of the loss with respect to z
  Matrix dL_dW;  // gradient of the loss with respect to W
};

/// The forward and backward pass through a whole chain.
struct ChainPass {
  std::vector<ChainLayer> layers;  // layer 1 first
  double loss = 0;
};

/// Runs the chain forward and backward through the engine. Throws
/// std::invalid_argument when there are no weights, when x is not a column,
/// when the shapes do not chain, or when the last layer has more than one unit.
ChainPass deep_chain_pass(const DeepChain& chain);

/// Returns the loss alone, for the numerical gradient checker. Throws as
/// deep_chain_pass does.
double deep_chain_loss(const DeepChain& chain);

}  // namespace gradlings::engine
