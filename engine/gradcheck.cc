#include "engine/gradcheck.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>

namespace gradlings::engine {
namespace {

// Keeps NaN once seen, so a NaN entry is never hidden by a later finite one.
double max_keeping_nan(double current, double candidate) {
  if (std::isnan(current) || std::isnan(candidate)) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  return std::max(current, candidate);
}

// How far an entry's error exceeds what the tolerance allows. Negative values
// mean it passes. NaN counts as infinitely bad so that sorting stays well defined.
double excess_error(const EntryError& entry, const Tolerance& tolerance) {
  const double excess =
      entry.absolute_error - (tolerance.absolute + tolerance.relative * std::abs(entry.numerical));
  return std::isnan(excess) ? std::numeric_limits<double>::infinity() : excess;
}

ParameterCheck compare_parameter(const std::string& name, const Matrix& analytic,
                                 const Matrix& numerical, const Tolerance& tolerance,
                                 std::size_t worst_count) {
  ParameterCheck check;
  check.name = name;

  std::vector<EntryError> entries;
  entries.reserve(static_cast<std::size_t>(analytic.size()));
  for (Eigen::Index col = 0; col < analytic.cols(); ++col) {
    for (Eigen::Index row = 0; row < analytic.rows(); ++row) {
      EntryError entry;
      entry.row = row;
      entry.col = col;
      entry.analytic = analytic(row, col);
      entry.numerical = numerical(row, col);
      entry.absolute_error = std::abs(entry.analytic - entry.numerical);
      entry.relative_error = relative_error(entry.analytic, entry.numerical);

      check.max_absolute_error = max_keeping_nan(check.max_absolute_error, entry.absolute_error);
      check.max_relative_error = max_keeping_nan(check.max_relative_error, entry.relative_error);
      if (!within_tolerance(entry.analytic, entry.numerical, tolerance)) {
        check.passed = false;
      }
      entries.push_back(entry);
    }
  }

  const std::size_t kept_count = std::min(worst_count, entries.size());
  std::partial_sort(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(kept_count),
                    entries.end(), [&tolerance](const EntryError& a, const EntryError& b) {
                      const double excess_a = excess_error(a, tolerance);
                      const double excess_b = excess_error(b, tolerance);
                      if (excess_a != excess_b) {
                        return excess_a > excess_b;
                      }
                      return a.absolute_error > b.absolute_error;
                    });
  entries.resize(kept_count);
  check.worst = std::move(entries);
  return check;
}

}  // namespace

double relative_error(double analytic, double numerical) {
  const double scale =
      std::max(std::abs(analytic) + std::abs(numerical), std::numeric_limits<double>::min());
  return std::abs(analytic - numerical) / scale;
}

bool within_tolerance(double analytic, double numerical, const Tolerance& tolerance) {
  // Written so that a NaN on either side makes the comparison false.
  return std::abs(analytic - numerical) <=
         tolerance.absolute + tolerance.relative * std::abs(numerical);
}

std::vector<Matrix> numerical_gradient(const ScalarFunction& f, const std::vector<Matrix>& at,
                                       double step) {
  if (!(step > 0.0) || !std::isfinite(step)) {
    std::ostringstream text;
    text << step;
    throw std::invalid_argument("numerical_gradient: step " + text.str() +
                                " is invalid (it must be positive and finite, such as 1e-6)");
  }

  std::vector<Matrix> point = at;
  std::vector<Matrix> gradients;
  gradients.reserve(at.size());
  for (std::size_t p = 0; p < point.size(); ++p) {
    Matrix gradient(point[p].rows(), point[p].cols());
    for (Eigen::Index i = 0; i < point[p].size(); ++i) {
      const double original = point[p](i);

      point[p](i) = original + step;
      const double above = f(point);
      point[p](i) = original - step;
      const double below = f(point);
      point[p](i) = original;

      gradient(i) = (above - below) / (2.0 * step);
    }
    gradients.push_back(std::move(gradient));
  }
  return gradients;
}

GradientCheck compare_gradients(const std::vector<std::string>& names,
                                const std::vector<Matrix>& analytic,
                                const std::vector<Matrix>& numerical, const Tolerance& tolerance,
                                std::size_t worst_count) {
  if (names.size() != analytic.size() || names.size() != numerical.size()) {
    throw std::invalid_argument("compare_gradients: got " + std::to_string(names.size()) +
                                " names, " + std::to_string(analytic.size()) + " analytic and " +
                                std::to_string(numerical.size()) +
                                " numerical gradients, but the three counts must be equal");
  }

  GradientCheck result;
  for (std::size_t p = 0; p < names.size(); ++p) {
    if (analytic[p].rows() != numerical[p].rows() || analytic[p].cols() != numerical[p].cols()) {
      throw std::invalid_argument("compare_gradients: parameter '" + names[p] +
                                  "' has an analytic gradient of shape " +
                                  shape_string(analytic[p]) + " and a numerical one of shape " +
                                  shape_string(numerical[p]) + ", but they must be equal");
    }
    ParameterCheck check =
        compare_parameter(names[p], analytic[p], numerical[p], tolerance, worst_count);
    result.passed = result.passed && check.passed;
    result.parameters.push_back(std::move(check));
  }
  return result;
}

GradientCheck check_gradients(const GraphBuilder& build,
                              const std::vector<std::pair<std::string, Matrix>>& parameters,
                              const Tolerance& tolerance, double step) {
  std::vector<std::string> names;
  std::vector<Matrix> values;
  std::vector<Var> leaves;
  for (const auto& [name, value] : parameters) {
    names.push_back(name);
    values.push_back(value);
    leaves.emplace_back(value, name);
  }

  Var loss = build(leaves);
  loss.backward();
  std::vector<Matrix> analytic;
  for (const Var& leaf : leaves) {
    analytic.push_back(leaf.grad());
  }

  const ScalarFunction evaluate = [&](const std::vector<Matrix>& point) {
    std::vector<Var> perturbed;
    for (std::size_t p = 0; p < point.size(); ++p) {
      perturbed.emplace_back(point[p], names[p]);
    }
    return build(perturbed).item();
  };
  const std::vector<Matrix> numerical = numerical_gradient(evaluate, values, step);

  return compare_gradients(names, analytic, numerical, tolerance);
}

}  // namespace gradlings::engine
