// Lesson 4: the gradient descent loop, solved.
#include "gradient_descent.h"

double loss(double w, double target) {
  double error = w - target;
  return error * error;
}

double gradient(double w, double target) {
  return 2.0 * (w - target);
}

double update(double gradient, double learning_rate) {
  return -learning_rate * gradient;
}

Training train(double start, double target, double learning_rate, int epochs) {
  Training result;
  double w = start;
  for (int epoch = 0; epoch < epochs; ++epoch) {
    // Every value of the row belongs to the weight the epoch starts from.
    Epoch row;
    row.weight = w;
    row.loss = loss(w, target);
    row.gradient = gradient(w, target);
    row.update = update(row.gradient, learning_rate);
    result.epochs.push_back(row);

    w += row.update;
  }
  result.final_weight = w;
  return result;
}
