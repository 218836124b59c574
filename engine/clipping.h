// The reference for the gradient clipping lesson. The raw gradient is that of
// L = sum_i c_i * w_i^2 and comes from the autodiff engine. Clipping is not a
// derivative of anything, so the clipping functions below are plain
// arithmetic on that gradient:
//
//   by value: each entry is clamped to [-clip_value, clip_value]
//   by norm:  the whole vector is multiplied by
//             scale = min(1, max_norm / (norm + kClipNormEpsilon)),
//             where norm = sqrt(sum_i g_i^2), the rule and epsilon of
//             torch.nn.utils.clip_grad_norm_ (compared with PyTorch 1.13
//             by scripts/clip_norm_oracle.py)
#pragma once

#include <optional>
#include <vector>

namespace gradlings::engine {

/// Added to the norm before dividing, so a zero gradient gives a finite
/// scale (which the min with 1 then discards) instead of a division by zero.
inline constexpr double kClipNormEpsilon = 1e-6;

/// Returns L = sum_i c_i * w_i^2. Throws std::invalid_argument unless `w` and
/// `c` have the same length of at least 1.
double weighted_square_loss(const std::vector<double>& w, const std::vector<double>& c);

/// Returns dL/dw of weighted_square_loss, from backward(). Throws like it.
std::vector<double> weighted_square_gradient(const std::vector<double>& w,
                                             const std::vector<double>& c);

/// Returns `g` with every entry clamped to [-clip_value, clip_value].
std::vector<double> clip_by_value(const std::vector<double>& g, double clip_value);

/// Returns the L2 norm sqrt(sum_i g_i^2), which is 0 for an empty vector.
double global_norm(const std::vector<double>& g);

/// Returns min(1, max_norm / (norm + kClipNormEpsilon)): below 1 only when
/// the norm exceeds max_norm (by more than the epsilon), and 1 for norm 0.
double clip_scale(double norm, double max_norm);

/// Returns `g` times clip_scale(global_norm(g), max_norm).
std::vector<double> clip_by_norm(const std::vector<double>& g, double max_norm);

/// Returns a.b / (|a| |b|), clamped to [-1, 1] against rounding, or nullopt
/// when either vector has norm 0 and the angle is undefined. NaN entries give
/// NaN. Throws std::invalid_argument unless the lengths are equal.
std::optional<double> cosine_similarity(const std::vector<double>& a, const std::vector<double>& b);

/// Every value of one clipping case, as the lesson computes them in order.
struct ClippingReference {
  std::vector<double> gradient;  // dL/dw at w, from the engine
  std::vector<double> by_value;  // clip_by_value(gradient, clip_value)
  double norm = 0;               // global_norm(gradient)
  double scale = 1;              // clip_scale(norm, max_norm)
  std::vector<double> by_norm;   // gradient * scale
  std::optional<double> cosine_by_value;  // of gradient and by_value; nullopt for a zero gradient
  std::optional<double> cosine_by_norm;   // of gradient and by_norm; nullopt for a zero gradient
};

/// Computes every value of one case. Throws like weighted_square_loss.
ClippingReference clipping_reference(const std::vector<double>& w, const std::vector<double>& c,
                                     double clip_value, double max_norm);

}  // namespace gradlings::engine
