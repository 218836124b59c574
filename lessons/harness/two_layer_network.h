// The two-layer network: one input, one hidden unit, one output, a sigmoid on
// both layers and the loss L = 0.5 * (a2 - target)^2.
//
//   z1 = w1 * x + b1     a1 = sigmoid(z1)
//   z2 = w2 * a1 + b2    a2 = sigmoid(z2)
//
// Your exercise.cpp defines the four functions declared at the bottom, and
// may add helpers of its own (the stub adds sigmoid). The runner calls the
// four once per training step: forward, loss, backward, update.
#pragma once

#include "gradlings.h"

// The weights and biases being learned.
struct Params {
  double w1 = 0;  // input to hidden weight
  double b1 = 0;  // hidden bias
  double w2 = 0;  // hidden to output weight
  double b2 = 0;  // output bias
};

// The values of the forward pass, in the order they are computed.
struct Forward {
  double z1 = 0;  // hidden pre-activation
  double a1 = 0;  // hidden activation
  double z2 = 0;  // output pre-activation
  double a2 = 0;  // the prediction
};

// The values of the backward pass, in the order they are computed. Each dL_dv
// is the derivative of the loss with respect to v; da2_dz2 and da1_dz1 are the
// local derivatives of the two sigmoids.
struct Gradients {
  double dL_da2 = 0;
  double da2_dz2 = 0;
  double dL_dz2 = 0;
  double dL_dw2 = 0;
  double dL_db2 = 0;
  double dL_da1 = 0;
  double da1_dz1 = 0;
  double dL_dz1 = 0;
  double dL_dw1 = 0;
  double dL_db1 = 0;
};

// Runs the network on input x.
Forward forward(const Params& params, double x);

// Returns 0.5 * (prediction - target)^2.
double loss(double prediction, double target);

// Returns every derivative of the loss, given the forward values for input x.
Gradients backward(const Params& params, const Forward& values, double x, double target);

// Returns the parameters after one step of gradient descent.
Params update(const Params& params, const Gradients& gradients, double learning_rate);
