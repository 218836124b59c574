#include "engine/descent.h"

#include "engine/autodiff.h"
#include "engine/ops.h"

namespace gradlings::engine {

namespace {

struct Graph {
  Var weight;
  Var loss;
};

Graph build(double weight, double target) {
  Var w = Var::scalar(weight, "w");
  Var loss = pow(sub(w, Var::scalar(target, "target")), 2.0);
  return {w, loss};
}

}  // namespace

double descent_loss(double weight, double target) { return build(weight, target).loss.item(); }

DescentEpoch descent_epoch(double weight, double target, double learning_rate) {
  Graph g = build(weight, target);
  g.loss.backward();

  DescentEpoch epoch;
  epoch.weight = weight;
  epoch.loss = g.loss.item();
  epoch.gradient = g.weight.grad_item();
  epoch.update = -learning_rate * epoch.gradient;
  return epoch;
}

std::vector<DescentEpoch> descent_trajectory(double start, double target, double learning_rate,
                                             int epochs) {
  std::vector<DescentEpoch> trajectory;
  double weight = start;
  for (int i = 0; i < epochs; ++i) {
    trajectory.push_back(descent_epoch(weight, target, learning_rate));
    weight += trajectory.back().update;
  }
  return trajectory;
}

}  // namespace gradlings::engine
