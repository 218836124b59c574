// Lesson 4: the gradient descent loop.
//
// Fill in the four functions below, from top to bottom, then run
//   runner lesson 4
// The runner checks loss(), gradient() and update() on their own, then
// every value of the log that train() returns.
// Delete each not_implemented() call once you have written the body.
// Stuck? `runner hint 4` shows one hint at a time.
#include "gradient_descent.h"

// The loss: how far w is from the target, squared. It is 0 exactly at the
// target and grows on both sides.
double loss(double w, double target) {
  not_implemented();
}

// The slope of the loss at w, dL/dw. Differentiate (w - target)^2 with
// respect to w: the power rule gives the factor in front, and the chain rule
// multiplies by the derivative of (w - target), which is 1.
double gradient(double w, double target) {
  not_implemented();
}

// The change that one step of gradient descent adds to w: a step of size
// learning_rate * gradient, against the gradient, so that the loss goes down.
double update(double gradient, double learning_rate) {
  not_implemented();
}

// The training loop. Start at w = start and repeat `epochs` times:
//   1. store a row with w, loss(w), gradient(w) and the update,
//      every value taken at the w this epoch starts from;
//   2. add the update to w.
// Return the rows in order, and in final_weight the w left after the last
// update.
Training train(double start, double target, double learning_rate, int epochs) {
  not_implemented();
}
