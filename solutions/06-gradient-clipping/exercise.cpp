// Lesson 6: gradient clipping, solved.
#include <cmath>
#include <vector>

#include "gradient_clipping.h"

std::vector<double> gradient(const std::vector<double>& w, const std::vector<double>& c) {
  std::vector<double> g;
  for (std::size_t i = 0; i < w.size(); ++i) {
    g.push_back(2.0 * c[i] * w[i]);
  }
  return g;
}

std::vector<double> clip_by_value(const std::vector<double>& g, double clip_value) {
  std::vector<double> clipped;
  for (double gi : g) {
    if (std::abs(gi) > clip_value) {
      clipped.push_back(gi > 0 ? clip_value : -clip_value);
    } else {
      clipped.push_back(gi);
    }
  }
  return clipped;
}

double global_norm(const std::vector<double>& g) {
  double sum_of_squares = 0.0;
  for (double gi : g) {
    sum_of_squares += gi * gi;
  }
  return std::sqrt(sum_of_squares);
}

double clip_scale(double norm, double max_norm) {
  // The epsilon keeps the division finite for the zero vector; the scale is
  // then huge, and the comparison below turns it into 1.
  double scale = max_norm / (norm + kNormEpsilon);
  return scale < 1.0 ? scale : 1.0;
}

std::vector<double> clip_by_norm(const std::vector<double>& g, double max_norm) {
  double scale = clip_scale(global_norm(g), max_norm);
  std::vector<double> clipped;
  for (double gi : g) {
    clipped.push_back(gi * scale);
  }
  return clipped;
}
