#include "runner/diagnosis.h"

#include <cmath>
#include <numeric>

namespace gradlings::runner {

std::string mistake_name(Mistake mistake) {
  switch (mistake) {
    case Mistake::doubled:
      return "the value is twice the right one";
    case Mistake::halved:
      return "the value is half the right one";
    case Mistake::flipped_sign:
      return "the sign is flipped";
    case Mistake::missing_derivative:
      return "the sigmoid's derivative is missing";
    case Mistake::derivative_at_z:
      return "the sigmoid's derivative is taken at z instead of a";
    case Mistake::derivative_at_a:
      return "the sigmoid is applied twice, so its derivative is taken at a instead of z";
    case Mistake::transposed:
      return "a matrix is transposed";
    case Mistake::bias_one_sample:
      return "the bias gradient is one sample's, not the whole batch's";
    case Mistake::bias_mean:
      return "the bias gradient is the mean over the batch where the sum is meant";
    case Mistake::bias_sum:
      return "the bias gradient is the sum over the batch where the mean is meant";
    case Mistake::updated_too_early:
      return "a weight was updated before this gradient was computed from it";
  }
  return "unknown mistake";
}

std::string diagnose(double actual, const Suspects& suspects, const engine::Tolerance& tolerance) {
  if (!std::isfinite(actual) || engine::within_tolerance(actual, suspects.right, tolerance)) {
    return "";
  }

  std::vector<const Suspect*> matches;
  for (const Suspect& suspect : suspects.list) {
    bool distinct = std::isfinite(suspect.value) &&
                    !engine::within_tolerance(suspect.value, suspects.right, tolerance);
    if (distinct && engine::within_tolerance(actual, suspect.value, tolerance)) {
      bool seen = false;
      for (const Suspect* match : matches) {
        seen = seen || match->mistake == suspect.mistake;
      }
      if (!seen) {
        matches.push_back(&suspect);
      }
    }
  }

  if (matches.size() == 1) {
    std::string name = mistake_name(matches[0]->mistake);
    return matches[0]->advice.empty() ? name : name + ". " + matches[0]->advice;
  }
  if (matches.size() == 2) {
    return "either " + mistake_name(matches[0]->mistake) + ", or " +
           mistake_name(matches[1]->mistake);
  }
  return "";
}

void add_diagnosis(Check& check, const Suspects& suspects, const engine::Tolerance& tolerance,
                   const engine::Tolerance& match) {
  if (!check.actual || !std::isfinite(*check.actual) ||
      engine::within_tolerance(*check.actual, check.expected, tolerance)) {
    return;
  }
  check.diagnosis = diagnose(*check.actual, suspects, match);
}

void add_diagnosis(Check& check, const Suspects& suspects, const engine::Tolerance& tolerance) {
  add_diagnosis(check, suspects, tolerance, tolerance);
}

std::vector<Suspect> factor_and_sign(double right, const std::string& advice) {
  return {{Mistake::doubled, 2 * right, advice},
          {Mistake::halved, right / 2, advice},
          {Mistake::flipped_sign, -right, advice}};
}

Suspects bias_suspects(const std::vector<double>& per_sample, bool loss_sums) {
  Suspects suspects;
  double sum = std::accumulate(per_sample.begin(), per_sample.end(), 0.0);
  double mean = per_sample.empty() ? 0 : sum / static_cast<double>(per_sample.size());
  suspects.right = loss_sums ? sum : mean;
  std::string whole_batch = loss_sums ? "Add up the gradients of every sample in the batch"
                                      : "Average the gradients of every sample in the batch";
  for (double value : per_sample) {
    suspects.list.push_back({Mistake::bias_one_sample, value, whole_batch});
  }
  if (loss_sums) {
    suspects.list.push_back(
        {Mistake::bias_mean, mean, "Sum the samples' gradients, not their mean"});
  } else {
    suspects.list.push_back({Mistake::bias_sum, sum, "Divide the sum by the batch size"});
  }
  return suspects;
}

}  // namespace gradlings::runner
