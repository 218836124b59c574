// Gradient clipping. The gradient to clip comes from the loss
//
//   L(w) = sum over i of c_i * w_i^2
//
// whose partial derivatives are g_i = dL/dw_i = 2 * c_i * w_i. Large c_i or
// w_i make the gradient explode, and clipping caps it in one of two ways:
//
//   by value: each g_i is clamped to [-clip_value, clip_value]
//   by norm:  the whole vector is multiplied by
//             scale = min(1, max_norm / (norm + kNormEpsilon)),
//             norm  = sqrt(g_1^2 + ... + g_n^2),
//             as torch.nn.utils.clip_grad_norm_ does
//
// Your exercise.cpp defines the five functions declared at the bottom. The
// runner calls them in order on each case and checks every value.
#pragma once

#include <vector>

#include "gradlings.h"

// Added to the norm before dividing by it, so that a zero gradient does not
// divide by zero. It is the value PyTorch uses.
inline constexpr double kNormEpsilon = 1e-6;

// Returns g, the gradient of L at w: g[i] = dL/dw[i]. w and c have the same
// length.
std::vector<double> gradient(const std::vector<double>& w, const std::vector<double>& c);

// Returns g with every entry clamped to [-clip_value, clip_value].
std::vector<double> clip_by_value(const std::vector<double>& g, double clip_value);

// Returns the L2 norm of g, the length of the vector.
double global_norm(const std::vector<double>& g);

// Returns the factor that clipping by norm multiplies every entry by:
// max_norm / (norm + kNormEpsilon) when that is below 1, else exactly 1.
double clip_scale(double norm, double max_norm);

// Returns g multiplied by clip_scale(global_norm(g), max_norm).
std::vector<double> clip_by_norm(const std::vector<double>& g, double max_norm);
