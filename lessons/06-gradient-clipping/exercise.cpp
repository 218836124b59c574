// Lesson 6: gradient clipping.
//
// Fill in the five functions below, from top to bottom, then run
//   runner lesson 6
// The runner calls each of them on every case and checks every value.
// Delete each not_implemented() call once you have written the body.
// Stuck? `runner hint 6` shows one hint at a time.
#include <cmath>
#include <vector>

#include "gradient_clipping.h"

// The raw gradient of L = sum of c[i] * w[i]^2: one entry per weight,
// g[i] = dL/dw[i]. Only the term c[i] * w[i]^2 depends on w[i].
std::vector<double> gradient(const std::vector<double>& w, const std::vector<double>& c) {
  not_implemented();
}

// Clipping by value: every entry on its own. An entry outside
// [-clip_value, clip_value] moves to the nearer end, so it keeps its sign.
// The others stay as they are.
std::vector<double> clip_by_value(const std::vector<double>& g, double clip_value) {
  not_implemented();
}

// The length of the whole gradient: the square root of the sum of the
// squares of its entries.
double global_norm(const std::vector<double>& g) {
  not_implemented();
}

// The factor that shrinks the gradient to length max_norm:
// max_norm / (norm + kNormEpsilon) when that is below 1, otherwise 1, so a
// gradient that is short enough (or zero) stays as it is.
double clip_scale(double norm, double max_norm) {
  not_implemented();
}

// Clipping by global norm: every entry multiplied by the same scale, so the
// direction stays and only the length changes. Use the two functions above.
std::vector<double> clip_by_norm(const std::vector<double>& g, double max_norm) {
  not_implemented();
}
