// The two-layer-network lesson kind: one input, one hidden unit, one output,
// a sigmoid on both, and the loss 0.5 * (a2 - target)^2. The learner fills in
// named scalars (z1, a1, ..., dL_dw1), which the trace prints one per line.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/two_layer.h"
#include "runner/diagnosis.h"
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

/// Returns a value of one training step by name: the learner's ("a2",
/// "dL_dz2") or an input of the step ("x", "target", "w2"). Returns nullopt
/// when the step has no such value.
using StepLookup = std::function<std::optional<double>(std::string_view name)>;

/// Returns the suspects of the backward value `name` ("loss", "dL_dz2"),
/// computed from the values `get` returns: the learner's own, so that a
/// value computed rightly from a wrong input matches the right value.
/// Returns nullopt when `name` has no suspects or a value it needs is
/// missing.
std::optional<Suspects> two_layer_suspects(std::string_view name, const StepLookup& get,
                                           double learning_rate);

/// Returns the suspects of the updated `parameter` ("w1"): the step taken
/// uphill, from the learner's own gradient.
std::optional<Suspects> two_layer_update_suspects(std::string_view parameter, const StepLookup& get,
                                                  double learning_rate);

}  // namespace gradlings::runner
