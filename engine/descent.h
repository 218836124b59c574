// The reference for the gradient descent lesson: one weight w, the loss
// L = (w - target)^2, and the update w += -learning_rate * dL/dw, repeated
// for a number of epochs. The loss and its gradient come from the autodiff
// engine, not from hand-written formulas.
#pragma once

#include <vector>

namespace gradlings::engine {

/// One epoch of gradient descent, with every value taken at the weight the
/// epoch starts from.
struct DescentEpoch {
  double weight = 0;    // w before this epoch's update
  double loss = 0;      // (w - target)^2
  double gradient = 0;  // dL/dw from backward()
  double update = 0;    // -learning_rate * gradient, the change added to w
};

/// Returns the loss at `weight`, for the numerical gradient checker.
double descent_loss(double weight, double target);

/// Runs one epoch from `weight`.
DescentEpoch descent_epoch(double weight, double target, double learning_rate);

/// Runs `epochs` epochs from `start`, each from the weight the previous one
/// left. The weight after the last epoch is back().weight + back().update.
std::vector<DescentEpoch> descent_trajectory(double start, double target, double learning_rate,
                                             int epochs);

}  // namespace gradlings::engine
