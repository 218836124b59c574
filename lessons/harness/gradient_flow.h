// Vanishing and exploding gradients.
//
// Part one: a gradient flows back through a stack of layers and is multiplied
// by each layer's weight on the way. Its running value is sorted by size.
//
// Part two: a deep chain of dense layers without biases, with x in place of
// a[l-1] for the first layer, l = 0:
//
//   z[l] = W[l] * a[l-1]           (a matrix times a column)
//   a[l] = activation(z[l])        for every layer but the last
//   a[l] = z[l]                    for the last layer, which has one unit, y
//   L    = 0.5 * (y - target)^2
//
// Indices in this file start at 0: W[0] is the first layer's weight matrix,
// and the trace calls it layer 1.
//
// Your exercise.cpp defines the six functions declared below. The runner
// calls simulate_gradient_flow() for the flows, then forward() and
// backward() for each chain.
#pragma once

#include <vector>

#include "gradlings.h"

// ---- Part one: a gradient flowing through scalar weights ----

// The size class of a running gradient, decided by its absolute value.
enum class GradientStatus {
  vanishing,      // below 0.001
  exploding,      // above 100
  getting_weak,   // below 0.1
  getting_large,  // above 10
  healthy,        // anything else
};

// One layer of the flow: the gradient after multiplying by the layer's
// weight, and its status.
struct FlowStep {
  double gradient = 0;
  GradientStatus status = GradientStatus::healthy;
};

// Returns the status of `gradient`, testing the bounds in the order the enum
// lists them.
GradientStatus classify_gradient(double gradient);

// Returns one FlowStep per weight, weights[0] first. The running gradient
// starts at initial_gradient and is multiplied by each weight in turn.
std::vector<FlowStep> simulate_gradient_flow(double initial_gradient,
                                             const std::vector<double>& weights);

// ---- Part two: a deep chain of dense layers ----

using Vector = std::vector<double>;
using Matrix = std::vector<Vector>;  // Matrix m: m[i][j] is row i, column j

enum class Activation { sigmoid, relu };

struct Chain {
  Activation activation = Activation::sigmoid;  // used by every layer but the last
  std::vector<Matrix> W;  // W[l] has one row per unit of layer l and one column per input
};

// The values of the forward pass, one Vector per layer, one entry per unit.
struct ChainForward {
  std::vector<Vector> z;  // pre-activations
  std::vector<Vector> a;  // activations; a.back() is {y}
};

// The values of the backward pass, one entry per layer like ChainForward.
// Each dL_dv is the derivative of the loss with respect to v.
struct ChainGradients {
  std::vector<Vector> dL_da;
  std::vector<Vector> da_dz;  // the activation's derivative at z, which is 1 in the last layer
  std::vector<Vector> dL_dz;
  std::vector<Matrix> dL_dW;  // shaped like W
};

// Returns sigmoid(z) = 1 / (1 + e^(-z)) or relu(z) = max(z, 0).
double activate(Activation activation, double z);

// Returns the derivative of activate(activation, z) with respect to z. For
// ReLU at exactly z = 0, return 0.
double activation_derivative(Activation activation, double z);

// Runs the chain on input x and returns every z and a.
ChainForward forward(const Chain& chain, const Vector& x);

// Returns every derivative of the loss, given the forward values for input x.
ChainGradients backward(const Chain& chain, const ChainForward& values, const Vector& x,
                        double target);
