// Naming the typical mistake behind a wrong value. For each value it checks,
// a grader lists what every typical mistake would have given: the suspects.
// diagnose() names the one that the learner's value matches, and only when
// the numbers single it out.
#pragma once

#include <string>
#include <vector>

#include "engine/gradcheck.h"
#include "runner/trace.h"

namespace gradlings::runner {

/// A typical mistake in backpropagation.
enum class Mistake {
  doubled,             // twice the right value: a 2 that the 0.5 of the loss should cancel
  halved,              // half the right value
  flipped_sign,        // the negative of the right value
  missing_derivative,  // dL/da used where dL/dz is meant, with no sigmoid derivative
  derivative_at_z,     // z * (1 - z) where a * (1 - a) is meant
  derivative_at_a,     // sigmoid(a) * (1 - sigmoid(a)): the sigmoid applied twice
  transposed,          // W used where its transpose is meant, or dW built transposed
  bias_one_sample,     // one sample's bias gradient where the batch's is meant
  bias_mean,           // the mean of the samples' gradients where their sum is meant
  bias_sum,            // the sum of the samples' gradients where their mean is meant
  updated_too_early,   // a weight updated before this gradient was computed from it
};

/// Returns the few words that name `mistake`: "the sign is flipped".
std::string mistake_name(Mistake mistake);

/// One typical mistake and the value it would give.
struct Suspect {
  Mistake mistake = Mistake::flipped_sign;
  double value = 0;    // what the learner's code would compute with this mistake
  std::string advice;  // what to look at, one or two sentences; may be empty
};

/// The suspects of one checked value, and the right value they must differ
/// from. `right` is computed from the learner's own inputs of the value
/// where the grader has them, so a value that is wrong only because an input
/// was wrong matches `right` and gets no diagnosis.
struct Suspects {
  double right = 0;
  std::vector<Suspect> list;
};

/// Returns the diagnosis of `actual`. It is empty unless `actual` differs
/// from `suspects.right` and matches a suspect's value, both at `tolerance`.
/// A suspect whose value matches the right one is indistinguishable from it
/// and never counts. One matching mistake gives "NAME. ADVICE" (or NAME alone);
/// two give "either NAME1, or NAME2"; three or more give "".
std::string diagnose(double actual, const Suspects& suspects, const engine::Tolerance& tolerance);

/// Sets check.diagnosis to diagnose(*check.actual, suspects, match) when the
/// check has a finite value that is not within `tolerance` of
/// check.expected, so a passing check never carries a diagnosis. Leaves the
/// check as it is otherwise.
void add_diagnosis(Check& check, const Suspects& suspects, const engine::Tolerance& tolerance,
                   const engine::Tolerance& match);

/// Calls add_diagnosis() with `tolerance` for both.
void add_diagnosis(Check& check, const Suspects& suspects, const engine::Tolerance& tolerance);

/// The tolerance for matching suspects built from a central difference. The
/// gradient checks' own tolerance allows 1e-6, which near small gradients
/// would let 0.49 × g pass for g / 2. A central difference with a step of
/// 1e-6 is off by an estimated 1e-10 on the lessons' losses (rounding of
/// about eps × loss / step), well inside this.
inline constexpr engine::Tolerance kNumericalMatch{1e-8, 1e-6};

/// Returns the suspects that a factor of 2 and a flipped sign give for a
/// value whose right value is `right`: 2 × right, right / 2 and -right, each
/// with `advice`.
std::vector<Suspect> factor_and_sign(double right, const std::string& advice);

/// Returns the suspects of a bias gradient over a batch, given each sample's
/// gradient in `per_sample`. With `loss_sums` the loss sums over the samples
/// and the right value is the sum; without it, the mean.
/// The suspects are each sample's gradient alone, and the mean where the sum
/// is meant or the sum where the mean is meant. A caller whose per-sample
/// gradients already carry the loss's 1/B, as the rows of dY do in the
/// mini-batch lesson, passes `loss_sums`, because the right value is then
/// their sum.
Suspects bias_suspects(const std::vector<double>& per_sample, bool loss_sums);

}  // namespace gradlings::runner
