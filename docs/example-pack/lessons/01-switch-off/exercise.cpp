// Lesson 1: switching a unit off.
//
// Fill in the five functions below, from top to bottom, then run
//   runner lesson 1
// The runner trains your network for a few steps and checks every value you
// compute. Delete each not_implemented() call once you have written the body.
// Stuck? `runner hint 1` shows one hint at a time.
#include <cmath>

#include "two_layer_network.h"

// The logistic function, 1 / (1 + e^(-z)). Both layers use it.
double sigmoid(double z) {
  not_implemented();
}

// Forward pass: compute z1, a1, z2 and a2 from the input x.
//   z1 = w1 * x + b1,   a1 = sigmoid(z1)
//   z2 = w2 * a1 + b2,  a2 = sigmoid(z2)
Forward forward(const Params& params, double x) {
  not_implemented();
}

// The half squared error of one prediction.
double loss(double prediction, double target) {
  not_implemented();
}

// Backward pass: walk from the loss back to w1, one chain-rule factor at a
// time. Fill in every field of Gradients, in order: each one is a product of
// the field before it and one local derivative. For instance
//   dL_dz2 = dL_da2 * da2_dz2
// and the sigmoid's derivative can be written with its own output, a*(1 - a).
Gradients backward(const Params& params, const Forward& values, double x, double target) {
  not_implemented();
}

// Gradient descent: move each parameter a small step against its gradient,
//   w_new = w - learning_rate * dL/dw
Params update(const Params& params, const Gradients& gradients, double learning_rate) {
  not_implemented();
}
