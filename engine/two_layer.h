// The reference for the two-layer network lessons: one input, one hidden
// unit, one output, a sigmoid on both layers, L = 0.5 * (a2 - target)^2.
// Every value comes from the autodiff engine, not from hand-written formulas.
#pragma once

#include <vector>

namespace gradlings::engine {

struct TwoLayerParams {
  double w1 = 0;
  double b1 = 0;
  double w2 = 0;
  double b2 = 0;
};

/// Every value of one training step, named as in the lesson.
struct TwoLayerStep {
  TwoLayerParams params;   // at the start of the step
  double z1 = 0, a1 = 0, z2 = 0, a2 = 0, loss = 0;
  double dL_da2 = 0, da2_dz2 = 0, dL_dz2 = 0, dL_dw2 = 0, dL_db2 = 0;
  double dL_da1 = 0, da1_dz1 = 0, dL_dz1 = 0, dL_dw1 = 0, dL_db1 = 0;
  TwoLayerParams updated;  // after params -= learning_rate * gradient
};

/// Runs one forward pass, one backward pass and one update.
TwoLayerStep two_layer_step(const TwoLayerParams& params, double x, double target,
                            double learning_rate);

/// Runs `steps` training steps from `params`.
std::vector<TwoLayerStep> two_layer_trajectory(TwoLayerParams params, double x, double target,
                                               double learning_rate, int steps);

/// Returns the loss alone, for the numerical gradient checker.
double two_layer_loss(const TwoLayerParams& params, double x, double target);

}  // namespace gradlings::engine
