#include "engine/two_layer.h"

#include "engine/autodiff.h"
#include "engine/ops.h"

namespace gradlings::engine {

namespace {

// The graph of one forward pass, with its parameters as named leaves.
struct Graph {
  Var w1, b1, w2, b2;
  Var z1, a1, z2, a2, loss;
};

Graph build(const TwoLayerParams& p, double x, double target) {
  Var input = Var::scalar(x, "x");
  Var w1 = Var::scalar(p.w1, "w1");
  Var b1 = Var::scalar(p.b1, "b1");
  Var w2 = Var::scalar(p.w2, "w2");
  Var b2 = Var::scalar(p.b2, "b2");

  Var z1 = add(mul(w1, input), b1);
  Var a1 = sigmoid(z1);
  Var z2 = add(mul(w2, a1), b2);
  Var a2 = sigmoid(z2);
  Var loss = half_squared_error(a2, Var::scalar(target, "target"));
  return {w1, b1, w2, b2, z1, a1, z2, a2, loss};
}

}  // namespace

TwoLayerStep two_layer_step(const TwoLayerParams& params, double x, double target,
                            double learning_rate) {
  Graph g = build(params, x, target);
  TwoLayerStep s;
  s.params = params;
  s.z1 = g.z1.item();
  s.a1 = g.a1.item();
  s.z2 = g.z2.item();
  s.a2 = g.a2.item();
  s.loss = g.loss.item();

  g.loss.backward();
  s.dL_da2 = g.a2.grad_item();
  s.dL_dz2 = g.z2.grad_item();
  s.dL_dw2 = g.w2.grad_item();
  s.dL_db2 = g.b2.grad_item();
  s.dL_da1 = g.a1.grad_item();
  s.dL_dz1 = g.z1.grad_item();
  s.dL_dw1 = g.w1.grad_item();
  s.dL_db1 = g.b1.grad_item();

  // The local derivatives of the two sigmoids: backward from each activation
  // alone. Each backward() starts from zeroed gradients, so the loss's
  // gradients above must be read first.
  g.a2.backward();
  s.da2_dz2 = g.z2.grad_item();
  g.a1.backward();
  s.da1_dz1 = g.z1.grad_item();

  s.updated.w1 = params.w1 - learning_rate * s.dL_dw1;
  s.updated.b1 = params.b1 - learning_rate * s.dL_db1;
  s.updated.w2 = params.w2 - learning_rate * s.dL_dw2;
  s.updated.b2 = params.b2 - learning_rate * s.dL_db2;
  return s;
}

std::vector<TwoLayerStep> two_layer_trajectory(TwoLayerParams params, double x, double target,
                                               double learning_rate, int steps) {
  std::vector<TwoLayerStep> trajectory;
  for (int i = 0; i < steps; ++i) {
    trajectory.push_back(two_layer_step(params, x, target, learning_rate));
    params = trajectory.back().updated;
  }
  return trajectory;
}

double two_layer_loss(const TwoLayerParams& params, double x, double target) {
  return build(params, x, target).loss.item();
}

}  // namespace gradlings::engine
