// The two-layer-network lesson kind: one input, one hidden unit, one output,
// a sigmoid on both, and the loss 0.5 * (a2 - target)^2. The learner fills in
// named scalars (z1, a1, ..., dL_dw1), which the trace prints one per line.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/two_layer.h"
#include "runner/kind.h"
#include "runner/yaml_doc.h"

namespace gradlings::runner {

/// One training run that the harness performs and the grader checks.
struct TwoLayerCase {
  std::string name;              // "public", or "hidden 3"
  bool hidden = false;           // drawn from the seed rather than written in the file
  engine::TwoLayerParams params; // the weights before the first step
  double learning_rate = 0;
  double x = 0;
  double target = 0;
  int steps = 0;
};

/// The distribution of the hidden cases. Each weight and bias, x and the target
/// are uniform in their ranges; the learning rate is the model's.
struct HiddenCases {
  std::uint64_t seed = 0;
  int count = 0;
  int steps = 0;
  Range weights;
  Range x;
  Range target;
};

struct TwoLayerSpec : KindSpec {
  engine::TwoLayerParams params;     // the model's starting weights
  double learning_rate = 0;
  std::vector<TwoLayerCase> cases;   // the public cases, in file order
  HiddenCases hidden;
};

std::unique_ptr<LessonKind> make_two_layer_kind();

/// Reads 'model', 'cases' and 'hidden' from `doc`. Throws Error located at
/// the offending value.
TwoLayerSpec parse_two_layer_spec(const YamlDoc& doc);

/// Returns the public cases followed by the hidden ones.
std::vector<TwoLayerCase> two_layer_cases(const TwoLayerSpec& spec);

/// Returns the harness's standard input for `cases`, one line per case:
/// `case ID W1 B1 W2 B2 LEARNING_RATE X TARGET STEPS`, where ID is the index.
std::string two_layer_input(const std::vector<TwoLayerCase>& cases);

/// Builds one trace per case that the harness reported on, in case order.
/// A case the harness never reached gets no trace.
std::vector<CaseTrace> grade_two_layer(const Lesson& lesson, const std::vector<TwoLayerCase>& cases,
                                       const ChannelData& data);

}  // namespace gradlings::runner
