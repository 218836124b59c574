// Lesson 5: vanishing and exploding gradients.
//
// Fill in the six functions below, from top to bottom, then run
//   runner lesson 5
// Part one follows a gradient through a list of weights. Part two runs a deep
// chain of dense layers forward and backward, once with sigmoid units and
// once with ReLU units, and the runner draws how large each layer's gradient
// is. Delete each not_implemented() call once you have written the body.
// Stuck? `runner hint 5` shows one hint at a time.
#include <cmath>
#include <vector>

#include "gradient_flow.h"

// ---- Part one ----

// Sort a gradient by its absolute value, std::abs(gradient). Test the bounds
// in the order the enum lists them and return at the first that holds: a tiny
// gradient is also below 0.1, so the order decides what it is called.
GradientStatus classify_gradient(double gradient) { not_implemented(); }

// Send initial_gradient back through the layers. At each layer multiply the
// running gradient by the layer's weight, then record the new value and its
// status. Return one FlowStep per weight, weights[0] first.
std::vector<FlowStep> simulate_gradient_flow(double initial_gradient,
                                             const std::vector<double>& weights) {
  not_implemented();
}

// ---- Part two ----

// The activation of one unit: the sigmoid 1 / (1 + e^(-z)), or the ReLU
// max(z, 0).
double activate(Activation activation, double z) { not_implemented(); }

// The slope of activate() at z. The backward pass multiplies the gradient by
// this, not by the activation itself. The sigmoid's slope is s * (1 - s) with
// s = sigmoid(z). ReLU's is 1 where z > 0 and 0 elsewhere.
double activation_derivative(Activation activation, double z) { not_implemented(); }

// Forward pass, layer by layer, starting from x:
//   z[l][i] = sum over j of W[l][i][j] * input[j]
//   a[l][i] = activate(chain.activation, z[l][i]), or z[l][i] in the last layer
// where input is x for layer 0 and a[l - 1] after that.
ChainForward forward(const Chain& chain, const Vector& x) { not_implemented(); }

// Backward pass, from the last layer down to layer 0. The loss is
// 0.5 * (y - target)^2 with y = values.a.back()[0], so dL_da.back() is
// {y - target}. Then, for each layer l:
//   da_dz[l][i]    = the activation's slope at values.z[l][i] (1 in the last layer)
//   dL_dz[l][i]    = dL_da[l][i] * da_dz[l][i]
//   dL_dW[l][i][j] = dL_dz[l][i] * input[j]
//   dL_da[l-1][j]  = sum over i of W[l][i][j] * dL_dz[l][i]   (for l > 0)
// Every field of ChainGradients needs one entry per layer.
ChainGradients backward(const Chain& chain, const ChainForward& values, const Vector& x,
                        double target) {
  not_implemented();
}
