// Lesson 8: mini-batches, solved.
#include <cmath>
#include <vector>

#include "mini_batch.h"

double sigmoid(double z) {
  return 1.0 / (1.0 + std::exp(-z));
}

std::vector<double> column_sums(const Matrix& M) {
  std::vector<double> sums(M.cols, 0.0);
  for (int r = 0; r < M.rows; ++r) {
    for (int c = 0; c < M.cols; ++c) {
      sums[c] += M(r, c);
    }
  }
  return sums;
}

Forward forward(const Params& params, const Matrix& X) {
  Forward values;
  values.Z1 = matmul(X, transpose(params.W1));
  for (int r = 0; r < X.rows; ++r) {
    for (int j = 0; j < values.Z1.cols; ++j) {
      values.Z1(r, j) += params.b1[j];
    }
  }

  values.H = values.Z1;
  for (double& h : values.H.data) {
    h = sigmoid(h);
  }

  values.Y = matmul(values.H, transpose(params.W2));
  for (int r = 0; r < X.rows; ++r) {
    for (int k = 0; k < values.Y.cols; ++k) {
      values.Y(r, k) += params.b2[k];
    }
  }
  return values;
}

double loss(const Matrix& Y, const Matrix& T) {
  double total = 0;
  for (std::size_t i = 0; i < Y.data.size(); ++i) {
    double error = Y.data[i] - T.data[i];
    total += 0.5 * error * error;
  }
  return total / Y.rows;
}

Gradients backward(const Params& params, const Matrix& X, const Forward& values, const Matrix& T) {
  Gradients g;
  double batch = X.rows;

  // Output layer. The 1/B of the loss goes into dY, once.
  g.dY = Matrix(values.Y.rows, values.Y.cols);
  for (std::size_t i = 0; i < g.dY.data.size(); ++i) {
    g.dY.data[i] = (values.Y.data[i] - T.data[i]) / batch;
  }
  g.dW2 = matmul(transpose(g.dY), values.H);
  g.db2 = column_sums(g.dY);

  // Hidden layer.
  g.dH = matmul(g.dY, params.W2);
  g.dZ1 = g.dH;
  for (std::size_t i = 0; i < g.dZ1.data.size(); ++i) {
    double h = values.H.data[i];
    g.dZ1.data[i] = g.dH.data[i] * h * (1.0 - h);
  }
  g.dW1 = matmul(transpose(g.dZ1), X);
  g.db1 = column_sums(g.dZ1);
  return g;
}

Params update(const Params& params, const Gradients& gradients, double learning_rate) {
  Params next = params;
  for (std::size_t i = 0; i < next.W1.data.size(); ++i) {
    next.W1.data[i] -= learning_rate * gradients.dW1.data[i];
  }
  for (std::size_t j = 0; j < next.b1.size(); ++j) {
    next.b1[j] -= learning_rate * gradients.db1[j];
  }
  for (std::size_t i = 0; i < next.W2.data.size(); ++i) {
    next.W2.data[i] -= learning_rate * gradients.dW2.data[i];
  }
  for (std::size_t k = 0; k < next.b2.size(); ++k) {
    next.b2[k] -= learning_rate * gradients.db2[k];
  }
  return next;
}
