#pragma once

// Differentiable operations on Var. Each returns a new node whose op name is the
// function's name ("add", "matmul", "half_squared_error", ...). Shape errors
// throw std::invalid_argument with a lowercase message that quotes the shapes.
//
// Broadcasting (add, sub, mul and their operators): b has the shape of a, or b
// is 1x1, a row (1 x a.cols) or a column (a.rows x 1) that is repeated to the
// shape of a. b's grad is the output grad summed over the repeated axes, so it
// keeps b's shape. Only b broadcasts, and a is never expanded.

#include "engine/autodiff.h"

namespace gradlings::engine {

/// Returns a + b, with b broadcast as described above.
Var add(const Var& a, const Var& b);

/// Returns a - b, with b broadcast as described above.
Var sub(const Var& a, const Var& b);

/// Returns the elementwise product a * b, with b broadcast as described above.
Var mul(const Var& a, const Var& b);

/// Returns the matrix product a b. Throws unless a.cols == b.rows.
Var matmul(const Var& a, const Var& b);

/// Returns factor * a.
Var scale(const Var& a, double factor);

/// Returns 1 / (1 + exp(-a)) elementwise.
Var sigmoid(const Var& a);

/// Returns tanh(a) elementwise.
Var tanh(const Var& a);

/// Returns sin(a) elementwise, a in radians.
Var sin(const Var& a);

/// Returns cos(a) elementwise, a in radians.
Var cos(const Var& a);

/// Returns max(a, 0) elementwise. The derivative at exactly 0 is taken as 0, as
/// in PyTorch.
Var relu(const Var& a);

/// Returns exp(a) elementwise.
Var exp(const Var& a);

/// Returns the natural logarithm of a elementwise. It does not check its input,
/// so a zero entry gives -inf and a negative one gives NaN, in the value and in
/// the gradient.
Var log(const Var& a);

/// Returns a^exponent elementwise. Throws if an entry of a is negative and the
/// exponent is not an integer, because the real result would not exist. An entry
/// of 0 with an exponent below 1 gives an infinite derivative, which is not
/// checked.
Var pow(const Var& a, double exponent);

/// Returns the sum of all entries as a 1x1 node. The sum of an empty matrix is 0.
Var sum(const Var& a);

/// Returns the mean of all entries as a 1x1 node. Throws if a is empty.
Var mean(const Var& a);

/// Returns 0.5 * sum((y - t)^2) as a 1x1 node. Throws unless y and t have the
/// same shape. Both y and t receive gradients: y - t and t - y.
Var half_squared_error(const Var& y, const Var& t);

/// Returns mean((y - t)^2) as a 1x1 node. Throws unless y and t have the same
/// shape and are not empty. y receives 2(y - t)/n, where n is the number of
/// entries, and t receives the negative of that.
Var mse(const Var& y, const Var& t);

/// Elementwise operators, the same as add, sub and mul.
Var operator+(const Var& a, const Var& b);
Var operator-(const Var& a, const Var& b);
Var operator*(const Var& a, const Var& b);

}  // namespace gradlings::engine
