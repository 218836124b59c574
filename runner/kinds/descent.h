// The gradient-descent lesson kind: one weight w, the loss (w - target)^2 and
// plain gradient descent. The learner writes the loss, its gradient, the
// update and the training loop. The trace checks the first three on their
// own at the start weight, then shows the loop's log, one row per epoch, and
// a plot of how far w is from the target.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runner/kind.h"
#include "runner/yaml_doc.h"

namespace gradlings::runner {

/// One training run that the harness performs and the grader checks.
struct DescentCase {
  std::string name;       // "public", or "hidden 3"
  bool hidden = false;    // drawn from the seed rather than written in the file
  double start = 0;       // w before the first epoch
  double target = 0;      // the w that minimises the loss
  double learning_rate = 0;
  int epochs = 0;
};

/// The distribution of the hidden cases. Start, target and learning rate are
/// uniform in their ranges and rounded, start and target to two decimals and
/// the rate to three. The epoch count is a uniform whole number in
/// [epochs.low, epochs.high]. The first `diverging_count` cases take their
/// rate from `diverging_learning_rate` instead, which should lie above 1, so
/// that w runs away from the target.
struct DescentHidden {
  std::uint64_t seed = 0;
  int count = 0;
  Range start;
  Range target;
  Range learning_rate;
  Range epochs;
  int diverging_count = 0;
  Range diverging_learning_rate;
};

struct DescentSpec : KindSpec {
  std::vector<DescentCase> cases;  // the public cases, in file order
  DescentHidden hidden;
};

/// The largest |w - target| a case may reach. Beyond it, rounding in the
/// central difference of (w - target)^2 at step 1e-6 approaches the
/// gradient check's tolerance, so such cases are rejected when the lesson loads.
inline constexpr double kMaxDescentDistance = 1e4;

/// The channel step that contains what the helpers returned when called on their
/// own at the case's start, apart from train(). Epoch steps count from 0.
/// lessons/harness/gradient_descent_main.cpp writes the same number.
inline constexpr int kDescentHelperStep = -1;

std::unique_ptr<LessonKind> make_descent_kind();

/// Reads 'cases' and 'hidden' from `doc`. Throws Error located at the
/// offending value, also for a case whose weight would move further than
/// kMaxDescentDistance from its target.
DescentSpec parse_descent_spec(const YamlDoc& doc);

/// Returns the public cases followed by the hidden ones.
std::vector<DescentCase> descent_cases(const DescentSpec& spec);

/// Returns the harness's standard input for `cases`, one line per case:
/// `case ID START TARGET LEARNING_RATE EPOCHS GRADIENT`, where ID is the index
/// and GRADIENT the reference's dL/dw at START, which the harness passes to
/// the learner's update().
std::string descent_input(const std::vector<DescentCase>& cases);

/// Builds one trace per case that the harness reported on, in case order.
/// The harness first sends step kDescentHelperStep with the values loss,
/// gradient and update: what loss(start, target), gradient(start, target) and
/// update(GRADIENT, learning_rate) returned. Then it sends one channel step
/// per epoch, numbered from 0, with the values weight, loss, gradient and
/// update, then a step numbered EPOCHS whose only value, weight, is the final
/// weight.
std::vector<CaseTrace> grade_descent(const Lesson& lesson, const std::vector<DescentCase>& cases,
                                     const ChannelData& data);

}  // namespace gradlings::runner
