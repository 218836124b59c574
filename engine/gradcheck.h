#pragma once

// Numerical gradient checking: central differences compared entry by entry with
// analytic gradients.
//
// Pass or fail follows the rule of torch.autograd.gradcheck:
//
//   |analytic - numerical| <= absolute + relative * |numerical|
//
// The relative error of the CS231n notes, |a - n| / max(|a| + |n|, tiny), is
// reported as well, but it does not decide. When both values are close to zero,
// as for a dead ReLU or a vanished gradient deep in a sigmoid chain, rounding
// noise such as a = 1e-13 against n = 0 gives a relative error of 1, although
// the gradient is right. The absolute term of the torch rule accepts such
// entries, and the relative term scales the bound for large gradients.

#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "engine/autodiff.h"

namespace gradlings::engine {

/// Bounds of the pass rule above.
struct Tolerance {
  double absolute = 1e-6;  // atol: allowed error for gradients near zero
  double relative = 1e-4;  // rtol: allowed error as a fraction of |numerical|
};

/// One gradient entry and how far the two values are apart.
struct EntryError {
  Eigen::Index row = 0;
  Eigen::Index col = 0;
  double analytic = 0;
  double numerical = 0;
  double absolute_error = 0;  // |analytic - numerical|
  double relative_error = 0;  // relative_error(analytic, numerical)
};

/// The comparison of one parameter's gradient.
struct ParameterCheck {
  std::string name;
  double max_absolute_error = 0;  // maximum over all entries, or NaN if any entry is NaN
  double max_relative_error = 0;  // maximum over all entries, or NaN if any entry is NaN
  bool passed = true;             // every entry is within_tolerance
  /// The entries that come closest to failing or fail by the most, worst first,
  /// ordered by absolute_error minus the allowed error, then by absolute_error.
  /// A NaN entry counts as the worst. Passing entries are listed too, so the list
  /// has min(worst_count, number of entries) elements.
  std::vector<EntryError> worst;
};

/// The comparison of all parameters, in the order they were given.
struct GradientCheck {
  std::vector<ParameterCheck> parameters;
  bool passed = true;  // every parameter passed
};

/// Returns |a - n| / max(|a| + |n|, tiny), where tiny is the smallest normal
/// double, so two zeros give 0. The result lies in [0, 1] unless an input is NaN
/// or infinite.
double relative_error(double analytic, double numerical);

/// Returns whether |a - n| <= tolerance.absolute + tolerance.relative * |n|.
/// Returns false if either value is NaN.
bool within_tolerance(double analytic, double numerical, const Tolerance& tolerance);

/// A function of the parameters that returns a scalar, such as a loss.
using ScalarFunction = std::function<double(const std::vector<Matrix>& parameters)>;

/// Estimates df/dp for every entry of every parameter by central differences,
/// (f(p + step) - f(p - step)) / (2 step), in double precision. Calls f twice
/// per entry and returns one matrix per parameter, shaped like it. The estimate
/// has an error of order step^2 from truncation plus eps*|f|/step from rounding.
/// By that estimate the sum is smallest near step = 1e-5 when f and its
/// derivatives are of order 1. Throws std::invalid_argument unless step is
/// positive and finite.
std::vector<Matrix> numerical_gradient(const ScalarFunction& f, const std::vector<Matrix>& at,
                                       double step = 1e-6);

/// Compares analytic with numerical gradients entry by entry and keeps the
/// worst_count worst entries of each parameter. Throws std::invalid_argument
/// unless the three lists have the same length and each analytic matrix has the
/// shape of its numerical one.
GradientCheck compare_gradients(const std::vector<std::string>& names,
                                const std::vector<Matrix>& analytic,
                                const std::vector<Matrix>& numerical,
                                const Tolerance& tolerance = {}, std::size_t worst_count = 3);

/// Builds a 1x1 loss from one leaf per parameter, in the order of the parameters.
using GraphBuilder = std::function<Var(const std::vector<Var>& parameters)>;

/// Checks the engine's gradients of a loss against numerical_gradient.
///
/// Builds the graph once from leaves named after the parameters, runs backward()
/// for the analytic gradients, then rebuilds it for every perturbed value. The
/// result keeps the order of parameters. Throws std::invalid_argument if the
/// loss is not 1x1 or step is invalid, and passes on whatever build throws.
GradientCheck check_gradients(const GraphBuilder& build,
                              const std::vector<std::pair<std::string, Matrix>>& parameters,
                              const Tolerance& tolerance = {}, double step = 1e-6);

}  // namespace gradlings::engine
