#include "engine/mini_batch.h"

#include "engine/ops.h"

namespace gradlings::engine {

namespace {

// The graph of one forward pass. The engine has no transpose, so the leaves
// are W1ᵀ and W2ᵀ, and dW1, dW2 are the transposes of their gradients.
struct Graph {
  Var W1t, b1, W2t, b2;
  Var Z1, H, Y, loss;
};

Graph build(const MiniBatchParams& p, const Matrix& X, const Matrix& T) {
  Var input(X, "X");
  Var W1t(p.W1.transpose(), "W1t");
  Var b1(p.b1, "b1");
  Var W2t(p.W2.transpose(), "W2t");
  Var b2(p.b2, "b2");

  Var Z1 = add(matmul(input, W1t), b1);
  Var H = sigmoid(Z1);
  Var Y = add(matmul(H, W2t), b2);
  double batch = static_cast<double>(X.rows());
  Var loss = scale(half_squared_error(Y, Var(T, "T")), 1.0 / batch);
  return {W1t, b1, W2t, b2, Z1, H, Y, loss};
}

}  // namespace

MiniBatchStep mini_batch_step(const MiniBatchParams& params, const Matrix& X, const Matrix& T,
                              double learning_rate) {
  Graph g = build(params, X, T);
  MiniBatchStep s;
  s.params = params;
  s.Z1 = g.Z1.value();
  s.H = g.H.value();
  s.Y = g.Y.value();
  s.loss = g.loss.item();

  g.loss.backward();
  s.dY = g.Y.grad();
  s.dW2 = g.W2t.grad().transpose();
  s.db2 = g.b2.grad();
  s.dH = g.H.grad();
  s.dZ1 = g.Z1.grad();
  s.dW1 = g.W1t.grad().transpose();
  s.db1 = g.b1.grad();

  s.updated.W1 = params.W1 - learning_rate * s.dW1;
  s.updated.b1 = params.b1 - learning_rate * s.db1;
  s.updated.W2 = params.W2 - learning_rate * s.dW2;
  s.updated.b2 = params.b2 - learning_rate * s.db2;
  return s;
}

double mini_batch_loss(const MiniBatchParams& params, const Matrix& X, const Matrix& T) {
  return build(params, X, T).loss.item();
}

}  // namespace gradlings::engine
