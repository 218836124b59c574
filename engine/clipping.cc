#include "engine/clipping.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "engine/autodiff.h"
#include "engine/ops.h"

namespace gradlings::engine {

namespace {

Matrix column(const std::vector<double>& values) {
  Matrix m(static_cast<Eigen::Index>(values.size()), 1);
  for (std::size_t i = 0; i < values.size(); ++i) {
    m(static_cast<Eigen::Index>(i), 0) = values[i];
  }
  return m;
}

struct Graph {
  Var w;
  Var loss;
};

Graph build(const std::vector<double>& w, const std::vector<double>& c) {
  if (w.empty() || w.size() != c.size()) {
    throw std::invalid_argument("weighted square loss: " + std::to_string(w.size()) +
                                " weights and " + std::to_string(c.size()) +
                                " coefficients, but the counts must be equal and at least 1");
  }
  Var weights(column(w), "w");
  Var coefficients(column(c), "c");
  Var loss = sum(mul(coefficients, pow(weights, 2.0)));
  return {weights, loss};
}

}  // namespace

double weighted_square_loss(const std::vector<double>& w, const std::vector<double>& c) {
  return build(w, c).loss.item();
}

std::vector<double> weighted_square_gradient(const std::vector<double>& w,
                                             const std::vector<double>& c) {
  Graph g = build(w, c);
  g.loss.backward();
  const Matrix& grad = g.w.grad();
  return std::vector<double>(grad.data(), grad.data() + grad.size());
}

std::vector<double> clip_by_value(const std::vector<double>& g, double clip_value) {
  std::vector<double> clipped;
  clipped.reserve(g.size());
  for (double entry : g) {
    clipped.push_back(std::clamp(entry, -clip_value, clip_value));
  }
  return clipped;
}

double global_norm(const std::vector<double>& g) { return column(g).norm(); }

double clip_scale(double norm, double max_norm) {
  return std::min(1.0, max_norm / (norm + kClipNormEpsilon));
}

std::vector<double> clip_by_norm(const std::vector<double>& g, double max_norm) {
  double scale = clip_scale(global_norm(g), max_norm);
  std::vector<double> clipped;
  clipped.reserve(g.size());
  for (double entry : g) {
    clipped.push_back(entry * scale);
  }
  return clipped;
}

std::optional<double> cosine_similarity(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) {
    throw std::invalid_argument("cosine similarity: vectors of length " + std::to_string(a.size()) +
                                " and " + std::to_string(b.size()) + " must have equal length");
  }
  Eigen::VectorXd x = column(a);
  Eigen::VectorXd y = column(b);
  double norms = x.norm() * y.norm();
  if (norms == 0) {
    return std::nullopt;
  }
  double cosine = x.dot(y) / norms;
  if (std::isnan(cosine)) {
    return cosine;
  }
  return std::clamp(cosine, -1.0, 1.0);
}

ClippingReference clipping_reference(const std::vector<double>& w, const std::vector<double>& c,
                                     double clip_value, double max_norm) {
  ClippingReference r;
  r.gradient = weighted_square_gradient(w, c);
  r.by_value = clip_by_value(r.gradient, clip_value);
  r.norm = global_norm(r.gradient);
  r.scale = clip_scale(r.norm, max_norm);
  r.by_norm = clip_by_norm(r.gradient, max_norm);
  r.cosine_by_value = cosine_similarity(r.gradient, r.by_value);
  r.cosine_by_norm = cosine_similarity(r.gradient, r.by_norm);
  return r;
}

}  // namespace gradlings::engine
