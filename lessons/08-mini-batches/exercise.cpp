// Lesson 8: mini-batches.
//
// Fill in the six functions below, from top to bottom, then run
//   runner lesson 8
// The runner trains your network on a batch for a few steps and checks every
// value you compute. Delete each not_implemented() call once you have
// written the body. Stuck? `runner hint 8` shows one hint at a time.
//
// mini_batch.h gives you Matrix, matmul(A, B) and transpose(A). A Matrix
// M(rows, cols) starts as zeros, and M(r, c) reads or writes one entry.
#include <cmath>
#include <vector>

#include "mini_batch.h"

// The logistic function, 1 / (1 + e^(-z)), for the hidden layer.
double sigmoid(double z) {
  not_implemented();
}

// The sum of each column of M over all its rows: one number per column.
// Each bias gradient is the column sum of the gradient rows above it.
std::vector<double> column_sums(const Matrix& M) {
  not_implemented();
}

// Forward pass on the whole batch, one sample per row of X:
//   Z1 = X W1ᵀ, plus b1 added to every row
//   H  = sigmoid(Z1), entry by entry
//   Y  = H W2ᵀ, plus b2 added to every row (no sigmoid on the output)
Forward forward(const Params& params, const Matrix& X) {
  not_implemented();
}

// The mean over the B samples of 0.5 × the sum of (Y − T)² in that sample's
// row.
double loss(const Matrix& Y, const Matrix& T) {
  not_implemented();
}

// Backward pass, in the order of the fields of Gradients:
//   dY  = (Y − T) / B           dW2 = dYᵀ H        db2 = column sums of dY
//   dH  = dY W2                 dZ1 = dH ∘ H ∘ (1 − H)
//   dW1 = dZ1ᵀ X                db1 = column sums of dZ1
Gradients backward(const Params& params, const Matrix& X, const Forward& values, const Matrix& T) {
  not_implemented();
}

// Gradient descent: every weight and bias moves against its gradient,
//   w_new = w − learning_rate × dL/dw
Params update(const Params& params, const Gradients& gradients, double learning_rate) {
  not_implemented();
}
