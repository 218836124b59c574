#include "engine/ops.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace gradlings::engine {
namespace {

// Broadcast mode: which axes of the right operand of an elementwise operation
// are repeated to match the left one.
enum class Broadcast { kNone, kScalar, kRow, kColumn };

// Returns "2x3, 1x1, 1x3 or 2x1": the shapes that broadcast to a, without repeats.
std::string broadcastable_shapes(const Matrix& a) {
  std::vector<std::string> shapes;
  for (const std::string& shape :
       {shape_string(a), std::string("1x1"), "1x" + std::to_string(a.cols()),
        std::to_string(a.rows()) + "x1"}) {
    if (std::find(shapes.begin(), shapes.end(), shape) == shapes.end()) {
      shapes.push_back(shape);
    }
  }

  std::string text = shapes.front();
  for (std::size_t i = 1; i < shapes.size(); ++i) {
    text += (i + 1 == shapes.size() ? " or " : ", ") + shapes[i];
  }
  return text;
}

Broadcast broadcast_kind(const std::string& op, const Matrix& a, const Matrix& b) {
  if (a.rows() == b.rows() && a.cols() == b.cols()) {
    return Broadcast::kNone;
  }
  if (b.rows() == 1 && b.cols() == 1) {
    return Broadcast::kScalar;
  }
  if (b.rows() == 1 && b.cols() == a.cols()) {
    return Broadcast::kRow;
  }
  if (b.cols() == 1 && b.rows() == a.rows()) {
    return Broadcast::kColumn;
  }

  const bool left_would_broadcast = (a.rows() == 1 && (a.cols() == 1 || a.cols() == b.cols())) ||
                                    (a.cols() == 1 && a.rows() == b.rows());
  throw std::invalid_argument(
      op + ": shapes " + shape_string(a) + " and " + shape_string(b) +
      " do not fit (the right must be " + broadcastable_shapes(a) +
      (left_would_broadcast ? ", because only the right operand broadcasts" : "") + ")");
}

// Repeats b to rows x cols.
Matrix expand(const Matrix& b, Broadcast kind, Eigen::Index rows, Eigen::Index cols) {
  switch (kind) {
    case Broadcast::kScalar:
      return Matrix::Constant(rows, cols, b(0, 0));
    case Broadcast::kRow:
      return b.replicate(rows, 1);
    case Broadcast::kColumn:
      return b.replicate(1, cols);
    case Broadcast::kNone:
      break;
  }
  return b;
}

// Sums a gradient of the output's shape back to the shape of the broadcast
// operand, which is the adjoint of expand().
Matrix reduce(const Matrix& grad, Broadcast kind) {
  switch (kind) {
    case Broadcast::kScalar:
      return Matrix::Constant(1, 1, grad.sum());
    case Broadcast::kRow:
      return grad.colwise().sum();
    case Broadcast::kColumn:
      return grad.rowwise().sum();
    case Broadcast::kNone:
      break;
  }
  return grad;
}

void require_same_shape(const std::string& op, const Matrix& y, const Matrix& t) {
  if (y.rows() != t.rows() || y.cols() != t.cols()) {
    throw std::invalid_argument(op + ": shapes " + shape_string(y) + " and " + shape_string(t) +
                                " do not fit (the output and the target must have the same "
                                "shape)");
  }
}

void require_not_empty(const std::string& op, const Matrix& a) {
  if (a.size() == 0) {
    throw std::invalid_argument(op + ": the input has shape " + shape_string(a) +
                                ", but it must have at least one entry");
  }
}

std::string format_number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

// Creates a non-leaf node and returns its handle.
Var make_result(Matrix value, std::string op, std::vector<std::shared_ptr<Node>> parents,
                std::function<void(Node&)> backward_step) {
  auto node = std::make_shared<Node>();
  node->grad = Matrix::Zero(value.rows(), value.cols());
  node->value = std::move(value);
  node->parents = std::move(parents);
  node->op = std::move(op);
  node->backward_step = std::move(backward_step);
  return Var(std::move(node));
}

double stable_sigmoid(double x) {
  // exp() of a large positive argument overflows, so each branch only ever
  // exponentiates a non-positive number.
  if (x >= 0) {
    return 1.0 / (1.0 + std::exp(-x));
  }
  const double e = std::exp(x);
  return e / (1.0 + e);
}

}  // namespace

Var add(const Var& a, const Var& b) {
  const Broadcast kind = broadcast_kind("add", a.value(), b.value());
  Matrix value = a.value() + expand(b.value(), kind, a.rows(), a.cols());

  return make_result(std::move(value), "add", {a.node(), b.node()}, [kind](Node& self) {
    self.parents[0]->grad += self.grad;
    self.parents[1]->grad += reduce(self.grad, kind);
  });
}

Var sub(const Var& a, const Var& b) {
  const Broadcast kind = broadcast_kind("sub", a.value(), b.value());
  Matrix value = a.value() - expand(b.value(), kind, a.rows(), a.cols());

  return make_result(std::move(value), "sub", {a.node(), b.node()}, [kind](Node& self) {
    self.parents[0]->grad += self.grad;
    self.parents[1]->grad -= reduce(self.grad, kind);
  });
}

Var mul(const Var& a, const Var& b) {
  const Broadcast kind = broadcast_kind("mul", a.value(), b.value());
  Matrix value = a.value().cwiseProduct(expand(b.value(), kind, a.rows(), a.cols()));

  // d(a*b)/da = b and d(a*b)/db = a, each times the output grad.
  return make_result(std::move(value), "mul", {a.node(), b.node()}, [kind](Node& self) {
    Node& left = *self.parents[0];
    Node& right = *self.parents[1];
    const Matrix right_expanded = expand(right.value, kind, left.value.rows(), left.value.cols());
    left.grad += self.grad.cwiseProduct(right_expanded);
    right.grad += reduce(self.grad.cwiseProduct(left.value), kind);
  });
}

Var matmul(const Var& a, const Var& b) {
  if (a.cols() != b.rows()) {
    throw std::invalid_argument("matmul: shapes " + shape_string(a.value()) + " and " +
                                shape_string(b.value()) +
                                " do not fit (columns of the left must equal rows of the right)");
  }
  Matrix value = a.value() * b.value();

  // For C = A B: dA = dC B^T and dB = A^T dC.
  return make_result(std::move(value), "matmul", {a.node(), b.node()}, [](Node& self) {
    Node& left = *self.parents[0];
    Node& right = *self.parents[1];
    left.grad += self.grad * right.value.transpose();
    right.grad += left.value.transpose() * self.grad;
  });
}

Var scale(const Var& a, double factor) {
  return make_result(factor * a.value(), "scale", {a.node()},
                     [factor](Node& self) { self.parents[0]->grad += factor * self.grad; });
}

Var sigmoid(const Var& a) {
  Matrix value = a.value().unaryExpr(&stable_sigmoid);

  // sigmoid'(x) = s(1 - s), computed from the stored output s.
  return make_result(std::move(value), "sigmoid", {a.node()}, [](Node& self) {
    const auto s = self.value.array();
    self.parents[0]->grad.array() += self.grad.array() * s * (1.0 - s);
  });
}

Var tanh(const Var& a) {
  Matrix value = a.value().array().tanh().matrix();

  // tanh'(x) = 1 - tanh(x)^2.
  return make_result(std::move(value), "tanh", {a.node()}, [](Node& self) {
    const auto t = self.value.array();
    self.parents[0]->grad.array() += self.grad.array() * (1.0 - t.square());
  });
}

Var sin(const Var& a) {
  Matrix value = a.value().array().sin().matrix();

  // sin'(x) = cos(x), taken at the input x rather than from the output.
  return make_result(std::move(value), "sin", {a.node()}, [](Node& self) {
    Node& input = *self.parents[0];
    input.grad.array() += self.grad.array() * input.value.array().cos();
  });
}

Var cos(const Var& a) {
  Matrix value = a.value().array().cos().matrix();

  // cos'(x) = -sin(x), taken at the input x.
  return make_result(std::move(value), "cos", {a.node()}, [](Node& self) {
    Node& input = *self.parents[0];
    input.grad.array() -= self.grad.array() * input.value.array().sin();
  });
}

Var relu(const Var& a) {
  Matrix value = a.value().cwiseMax(0.0);

  return make_result(std::move(value), "relu", {a.node()}, [](Node& self) {
    Node& input = *self.parents[0];
    const auto active = (input.value.array() > 0.0).cast<double>();
    input.grad.array() += self.grad.array() * active;
  });
}

Var exp(const Var& a) {
  Matrix value = a.value().array().exp().matrix();

  // exp'(x) = exp(x), which is the stored output.
  return make_result(std::move(value), "exp", {a.node()}, [](Node& self) {
    self.parents[0]->grad.array() += self.grad.array() * self.value.array();
  });
}

Var log(const Var& a) {
  Matrix value = a.value().array().log().matrix();

  // log'(x) = 1 / x.
  return make_result(std::move(value), "log", {a.node()}, [](Node& self) {
    Node& input = *self.parents[0];
    input.grad.array() += self.grad.array() / input.value.array();
  });
}

Var pow(const Var& a, double exponent) {
  if (exponent != std::floor(exponent)) {
    Eigen::Index row = 0;
    Eigen::Index col = 0;
    const double smallest = a.value().size() == 0 ? 0.0 : a.value().minCoeff(&row, &col);
    if (smallest < 0.0) {
      throw std::invalid_argument(
          "pow: entry (" + std::to_string(row) + ", " + std::to_string(col) + ") of the base is " +
          format_number(smallest) + " and the exponent " + format_number(exponent) +
          " is not an integer, so the result is not real (use a "
          "positive base or an integer exponent)");
    }
  }
  Matrix value = a.value().array().pow(exponent).matrix();

  // d(x^p)/dx = p x^(p-1). For p = 0 the derivative is 0 everywhere, and writing
  // it out avoids 0 * inf = NaN at x = 0.
  return make_result(std::move(value), "pow", {a.node()}, [exponent](Node& self) {
    if (exponent == 0.0) {
      return;
    }
    Node& input = *self.parents[0];
    input.grad.array() += self.grad.array() * exponent * input.value.array().pow(exponent - 1.0);
  });
}

Var sum(const Var& a) {
  Matrix value = Matrix::Constant(1, 1, a.value().sum());

  // Every entry contributes with weight 1.
  return make_result(std::move(value), "sum", {a.node()},
                     [](Node& self) { self.parents[0]->grad.array() += self.grad(0, 0); });
}

Var mean(const Var& a) {
  require_not_empty("mean", a.value());
  const double count = static_cast<double>(a.value().size());
  Matrix value = Matrix::Constant(1, 1, a.value().sum() / count);

  // Every entry contributes with weight 1/n.
  return make_result(std::move(value), "mean", {a.node()}, [count](Node& self) {
    self.parents[0]->grad.array() += self.grad(0, 0) / count;
  });
}

Var half_squared_error(const Var& y, const Var& t) {
  require_same_shape("half_squared_error", y.value(), t.value());
  Matrix value = Matrix::Constant(1, 1, 0.5 * (y.value() - t.value()).squaredNorm());

  // dL/dy = y - t and dL/dt = t - y.
  return make_result(std::move(value), "half_squared_error", {y.node(), t.node()}, [](Node& self) {
    Node& output = *self.parents[0];
    Node& target = *self.parents[1];
    const Matrix delta = self.grad(0, 0) * (output.value - target.value);
    output.grad += delta;
    target.grad -= delta;
  });
}

Var mse(const Var& y, const Var& t) {
  require_same_shape("mse", y.value(), t.value());
  require_not_empty("mse", y.value());
  const double count = static_cast<double>(y.value().size());
  Matrix value = Matrix::Constant(1, 1, (y.value() - t.value()).squaredNorm() / count);

  // dL/dy = 2(y - t)/n and dL/dt = -2(y - t)/n.
  return make_result(std::move(value), "mse", {y.node(), t.node()}, [count](Node& self) {
    Node& output = *self.parents[0];
    Node& target = *self.parents[1];
    const Matrix delta = (2.0 * self.grad(0, 0) / count) * (output.value - target.value);
    output.grad += delta;
    target.grad -= delta;
  });
}

Var operator+(const Var& a, const Var& b) { return add(a, b); }

Var operator-(const Var& a, const Var& b) { return sub(a, b); }

Var operator*(const Var& a, const Var& b) { return mul(a, b); }

}  // namespace gradlings::engine
