// A network with one hidden sigmoid layer and a linear output, trained on a
// mini-batch of B samples at once. Each matrix of the forward and backward
// pass has one row per sample:
//
//   Z1 = X W1ᵀ + 1 b1ᵀ    H = sigmoid(Z1)    Y = H W2ᵀ + 1 b2ᵀ
//   L  = (1/B) × sum over the samples of 0.5 × ‖y − t‖²
//
// where 1 b1ᵀ adds b1 to every row. Your exercise.cpp defines the four
// functions declared at the bottom. The runner calls them once per training
// step: forward, loss, backward, update.
#pragma once

#include <cstddef>
#include <vector>

#include "gradlings.h"

// A matrix of doubles stored row by row: entry (r, c) is data[r * cols + c].
struct Matrix {
  int rows = 0;
  int cols = 0;
  std::vector<double> data;

  Matrix() = default;

  // A rows × cols matrix of zeros.
  Matrix(int row_count, int column_count)
      : rows(row_count),
        cols(column_count),
        data(static_cast<std::size_t>(row_count) * column_count, 0.0) {}

  double& operator()(int r, int c) { return data[static_cast<std::size_t>(r) * cols + c]; }
  double operator()(int r, int c) const { return data[static_cast<std::size_t>(r) * cols + c]; }
};

// Returns the matrix product A B. A has as many columns as B has rows.
inline Matrix matmul(const Matrix& A, const Matrix& B) {
  Matrix product(A.rows, B.cols);
  for (int r = 0; r < A.rows; ++r) {
    for (int c = 0; c < B.cols; ++c) {
      double sum = 0;
      for (int k = 0; k < A.cols; ++k) {
        sum += A(r, k) * B(k, c);
      }
      product(r, c) = sum;
    }
  }
  return product;
}

// Returns Aᵀ, whose entry (c, r) is A(r, c).
inline Matrix transpose(const Matrix& A) {
  Matrix result(A.cols, A.rows);
  for (int r = 0; r < A.rows; ++r) {
    for (int c = 0; c < A.cols; ++c) {
      result(c, r) = A(r, c);
    }
  }
  return result;
}

// The weights and biases being learned.
struct Params {
  Matrix W1;               // hidden × inputs: W1(j, i) connects input i to hidden unit j
  std::vector<double> b1;  // one bias per hidden unit
  Matrix W2;               // outputs × hidden
  std::vector<double> b2;  // one bias per output
};

// The values of the forward pass on a batch, one row per sample.
struct Forward {
  Matrix Z1;  // B × hidden: the hidden pre-activations
  Matrix H;   // B × hidden: sigmoid(Z1)
  Matrix Y;   // B × outputs: the predictions, with no sigmoid
};

// The derivatives of the loss, in the order backpropagation finds them. Each
// has the shape of the value it belongs to.
struct Gradients {
  Matrix dY;               // dL/dY = (Y − T) / B
  Matrix dW2;              // dL/dW2 = dYᵀ H
  std::vector<double> db2; // dL/db2: the sum of the rows of dY
  Matrix dH;               // dL/dH = dY W2
  Matrix dZ1;              // dL/dZ1 = dH ∘ H ∘ (1 − H), entry by entry
  Matrix dW1;              // dL/dW1 = dZ1ᵀ X
  std::vector<double> db1; // dL/db1: the sum of the rows of dZ1
};

// Runs the network on the batch X (B × inputs, one sample per row).
Forward forward(const Params& params, const Matrix& X);

// Returns the mean over the samples of 0.5 × the sum of (Y − T)², where Y and
// T are B × outputs.
double loss(const Matrix& Y, const Matrix& T);

// Returns every derivative of the loss, given the forward values for X.
Gradients backward(const Params& params, const Matrix& X, const Forward& values, const Matrix& T);

// Returns the parameters after one step of gradient descent.
Params update(const Params& params, const Gradients& gradients, double learning_rate);
