// Gradient descent on a single weight w, with the loss
//
//   L(w) = (w - target)^2
//
// which is smallest, 0, at w = target. Each epoch computes the loss and its
// gradient at the current w and then moves w against the gradient:
//
//   w = w + update,   update = -learning_rate * dL/dw
//
// Your exercise.cpp defines the four functions declared at the bottom. The
// runner checks the first three on their own, then every row of train()'s log.
#pragma once

#include <vector>

#include "gradlings.h"

// One row of the training log. Every value is taken at the weight the epoch
// starts from, before that epoch's update.
struct Epoch {
  double weight = 0;    // w at the start of the epoch
  double loss = 0;      // L(w)
  double gradient = 0;  // dL/dw at w
  double update = 0;    // the change the epoch adds to w
};

// Everything train() produces.
struct Training {
  std::vector<Epoch> epochs;  // one row per epoch: epochs[0] is epoch 0
  double final_weight = 0;    // w after the last epoch's update
};

// Returns L(w) = (w - target)^2.
double loss(double w, double target);

// Returns dL/dw, the derivative of the loss with respect to w.
double gradient(double w, double target);

// Returns the change that one step of gradient descent adds to w.
double update(double gradient, double learning_rate);

// Runs `epochs` epochs of gradient descent from w = start and returns the
// log, one row per epoch, and the final weight.
Training train(double start, double target, double learning_rate, int epochs);
