// The reference for the mini-batch lessons: one hidden sigmoid layer and a
// linear output, run on a batch of B samples at once, one sample per row:
//
//   H = sigmoid(X W1ᵀ + 1 b1ᵀ)    Y = H W2ᵀ + 1 b2ᵀ    L = (1/B) Σ ½‖y − t‖²
//
// Every value comes from the autodiff engine, not from hand-written formulas.
#pragma once

#include "engine/autodiff.h"

namespace gradlings::engine {

struct MiniBatchParams {
  Matrix W1;  // hidden × inputs
  Matrix b1;  // 1 × hidden, a row added to every sample
  Matrix W2;  // outputs × hidden
  Matrix b2;  // 1 × outputs
};

/// Every value of one training step on one batch, named as in the lesson.
/// Each matrix of the forward and backward pass has one row per sample.
struct MiniBatchStep {
  MiniBatchParams params;  // at the start of the step
  Matrix Z1, H, Y;         // B × hidden, B × hidden, B × outputs
  double loss = 0;
  Matrix dY, dW2, db2, dH, dZ1, dW1, db1;  // the loss's gradient for each, shaped like it
  MiniBatchParams updated;                 // after params -= learning_rate * gradient
};

/// Runs one forward pass, one backward pass and one update on the batch X
/// (B × inputs) with targets T (B × outputs). Throws std::invalid_argument
/// when the shapes do not fit together.
MiniBatchStep mini_batch_step(const MiniBatchParams& params, const Matrix& X, const Matrix& T,
                              double learning_rate);

/// Returns the loss alone, for the numerical gradient checker.
double mini_batch_loss(const MiniBatchParams& params, const Matrix& X, const Matrix& T);

}  // namespace gradlings::engine
