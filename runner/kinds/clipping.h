// The gradient-clipping lesson kind. Each case is a weight vector w and
// coefficients c; the learner computes the raw gradient of
// L = sum_i c_i * w_i^2, clips it by value and by global norm, and the trace
// shows both clipped vectors next to the original, with the cosine of the
// angle each makes with it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runner/kind.h"
#include "runner/yaml_doc.h"

namespace gradlings::runner {

/// One vector that the harness clips and the grader checks.
struct ClippingCase {
  std::string name;                   // "exploding", or "hidden 3"
  bool hidden = false;                // drawn from the seed rather than written in the file
  std::vector<double> weights;        // w, at least one entry
  std::vector<double> coefficients;   // c, as many entries as w
  double clip_value = 0;              // clip by value to [-clip_value, clip_value], above 0
  double max_norm = 0;                // clip by norm to at most max_norm; above 0
};

/// The distribution of the hidden cases. The length is a uniform whole number in
/// [length.low, length.high]; each weight and coefficient is uniform in its
/// range and rounded to two decimals. Each threshold is its quantity (the
/// largest |g_i| for clip_value, the norm of g for max_norm) times a factor
/// uniform in `threshold_factor`, rounded to two decimals.
///
/// Two hidden cases are special, so that the edge cases are always checked.
/// Hidden 1 has every weight 0, so its gradient is the zero vector, and both
/// its thresholds are 1. Hidden 2 takes factors uniform in [1.1, 2], rounded
/// up, so its gradient lies under both thresholds and must come back
/// unchanged. Every threshold is at least 0.01.
struct ClippingHidden {
  std::uint64_t seed = 0;
  int count = 0;
  Range length;
  Range weights;
  Range coefficients;
  Range threshold_factor;
};

struct ClippingSpec : KindSpec {
  std::vector<ClippingCase> cases;  // the public cases, in file order
  ClippingHidden hidden;
};

std::unique_ptr<LessonKind> make_clipping_kind();

/// Reads 'cases' and 'hidden' from `doc`. Throws Error located at the
/// offending value.
ClippingSpec parse_clipping_spec(const YamlDoc& doc);

/// Returns the public cases followed by the hidden ones.
std::vector<ClippingCase> clipping_cases(const ClippingSpec& spec);

/// Returns the harness's standard input for `cases`, one line per case:
/// `case ID N CLIP_VALUE MAX_NORM W_1 ... W_N C_1 ... C_N`, where ID is the
/// index.
std::string clipping_input(const std::vector<ClippingCase>& cases);

/// Builds one trace per case that the harness reported on, in case order.
/// The harness sends one channel step per case with the values g_I, by_value_I,
/// norm, scale and by_norm_I, for I from 1 to N.
std::vector<CaseTrace> grade_clipping(const Lesson& lesson, const std::vector<ClippingCase>& cases,
                                      const ChannelData& data);

}  // namespace gradlings::runner
