// The typical mistakes of the mini-batch network, entry by entry. Each right
// value is computed from the learner's own inputs of it, so only the value
// where a mistake is made gets a diagnosis, not the values computed from it.
#include <fmt/format.h>

#include <cmath>

#include "runner/kinds/mini_batch.h"

namespace gradlings::runner {

namespace {

using engine::Matrix;

double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

std::string check_factors(const char* rule) { return fmt::format("Check each factor of {}", rule); }

// The bias gradient `name` (db1 or db2) of unit c: the column sum of the
// learner's `rows` (dZ1 or dY), whose rows already carry the 1/B of the loss.
Suspects bias_gradient(const char* name, const char* rows, const Matrix& gradient_rows,
                       Eigen::Index c) {
  std::vector<double> per_sample;
  for (Eigen::Index r = 0; r < gradient_rows.rows(); ++r) {
    per_sample.push_back(gradient_rows(r, c));
  }
  Suspects s = bias_suspects(per_sample, true);
  for (Suspect& suspect : s.list) {
    if (suspect.mistake == Mistake::bias_one_sample) {
      suspect.advice = fmt::format("{} adds up every row of {}, one row per sample", name, rows);
    } else if (suspect.mistake == Mistake::bias_mean) {
      suspect.advice = fmt::format(
          "{} already carries the 1/B of the loss, so {} is the plain sum of its rows", rows, name);
    }
  }
  std::vector<Suspect> factors =
      factor_and_sign(s.right, check_factors(fmt::format("{} = the sum of the rows of {}", name,
                                                         rows)
                                                 .c_str()));
  s.list.insert(s.list.end(), factors.begin(), factors.end());
  return s;
}

}  // namespace

std::optional<Suspects> mini_batch_suspects(std::string_view name, Eigen::Index r, Eigen::Index c,
                                            const BatchValues& v) {
  const engine::MiniBatchParams& p = v.params;
  double batch = static_cast<double>(v.X.rows());
  bool square = p.W1.rows() == p.W1.cols();
  Suspects s;

  if (name == "Z1") {
    s.right = v.X.row(r).dot(p.W1.row(c)) + p.b1(0, c);
    if (square) {
      s.list.push_back({Mistake::transposed, v.X.row(r).dot(p.W1.col(c)) + p.b1(0, c),
                        "Z1 = X W1ᵀ: row j of W1 holds the weights of hidden unit j"});
    }
    return s;
  }
  if (name == "loss") {
    s.right = 0.5 * (v.Y - v.T).squaredNorm() / batch;
    s.list = factor_and_sign(
        s.right, "The loss is the mean over the samples of 0.5 × the sum of (y − t)². Is the 0.5 "
                 "missing?");
    return s;
  }
  if (name == "dY") {
    s.right = (v.Y(r, c) - v.T(r, c)) / batch;
    s.list = factor_and_sign(s.right, "dY = (Y − T) / B: the 0.5 of the loss cancels the 2 of "
                                      "the square");
    return s;
  }
  if (name == "dW2") {
    s.right = v.dY.col(r).dot(v.H.col(c));
    s.list = factor_and_sign(s.right, check_factors("dW2 = dYᵀ H"));
    return s;
  }
  if (name == "db2") {
    return bias_gradient("db2", "dY", v.dY, c);
  }
  if (name == "dH") {
    s.right = v.dY.row(r).dot(p.W2.col(c));
    s.list = factor_and_sign(s.right, check_factors("dH = dY W2"));
    return s;
  }
  if (name == "dZ1") {
    double h = v.H(r, c);
    double z = v.Z1(r, c);
    s.right = v.dH(r, c) * h * (1 - h);
    s.list = factor_and_sign(s.right, check_factors("dZ1 = dH ∘ H ∘ (1 − H)"));
    s.list.push_back({Mistake::missing_derivative, v.dH(r, c),
                      "dZ1 = dH ∘ H ∘ (1 − H), so multiply by the sigmoid's derivative"});
    s.list.push_back({Mistake::derivative_at_z, v.dH(r, c) * z * (1 - z),
                      "It is H ∘ (1 − H), written with the output H, not with Z1"});
    double twice = sigmoid(h);
    s.list.push_back({Mistake::derivative_at_a, v.dH(r, c) * twice * (1 - twice),
                      "H is already sigmoid(Z1), so its derivative is H ∘ (1 − H)"});
    return s;
  }
  if (name == "dW1") {
    s.right = v.dZ1.col(r).dot(v.X.col(c));
    s.list = factor_and_sign(s.right, check_factors("dW1 = dZ1ᵀ X"));
    if (square) {
      s.list.push_back({Mistake::transposed, v.X.col(r).dot(v.dZ1.col(c)),
                        "dW1 has the shape of W1, one row per hidden unit: dW1 = dZ1ᵀ X, not "
                        "Xᵀ dZ1"});
    }
    return s;
  }
  if (name == "db1") {
    return bias_gradient("db1", "dZ1", v.dZ1, c);
  }
  return std::nullopt;
}

}  // namespace gradlings::runner
