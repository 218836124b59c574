// Lesson 1: switching a unit off, solved.
#include <cmath>

#include "two_layer_network.h"

double sigmoid(double z) {
  return 1.0 / (1.0 + std::exp(-z));
}

Forward forward(const Params& params, double x) {
  Forward values;
  values.z1 = params.w1 * x + params.b1;
  values.a1 = sigmoid(values.z1);
  values.z2 = params.w2 * values.a1 + params.b2;
  values.a2 = sigmoid(values.z2);
  return values;
}

double loss(double prediction, double target) {
  double error = prediction - target;
  return 0.5 * error * error;
}

Gradients backward(const Params& params, const Forward& values, double x, double target) {
  Gradients g;

  // Output layer. The 1/2 in the loss cancels the 2 of the square.
  g.dL_da2 = values.a2 - target;
  g.da2_dz2 = values.a2 * (1.0 - values.a2);
  g.dL_dz2 = g.dL_da2 * g.da2_dz2;
  g.dL_dw2 = g.dL_dz2 * values.a1;
  g.dL_db2 = g.dL_dz2;

  // Hidden layer: the error reaches a1 through the weight w2.
  g.dL_da1 = g.dL_dz2 * params.w2;
  g.da1_dz1 = values.a1 * (1.0 - values.a1);
  g.dL_dz1 = g.dL_da1 * g.da1_dz1;
  g.dL_dw1 = g.dL_dz1 * x;
  g.dL_db1 = g.dL_dz1;
  return g;
}

Params update(const Params& params, const Gradients& gradients, double learning_rate) {
  Params next;
  next.w1 = params.w1 - learning_rate * gradients.dL_dw1;
  next.b1 = params.b1 - learning_rate * gradients.dL_db1;
  next.w2 = params.w2 - learning_rate * gradients.dL_dw2;
  next.b2 = params.b2 - learning_rate * gradients.dL_db2;
  return next;
}
