// The two-layer-network lesson kind: its part of lesson.yaml and its cases.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/two_layer.h"
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

/// How the hidden cases are drawn. Each weight and bias, x and the target
/// are uniform in their ranges; the learning rate is the model's.
struct HiddenCases {
  std::uint64_t seed = 0;
  int count = 0;
  int steps = 0;
  Range weights;
  Range x;
  Range target;
};

struct TwoLayerSpec {
  engine::TwoLayerParams params;     // the model's starting weights
  double learning_rate = 0;
  std::vector<TwoLayerCase> cases;   // the public cases, in file order
  HiddenCases hidden;
};

/// The top-level keys this kind adds to lesson.yaml.
std::vector<std::string> two_layer_keys();

/// Reads 'model', 'cases' and 'hidden' from `doc`. Throws Error located at
/// the offending value.
TwoLayerSpec parse_two_layer_spec(const YamlDoc& doc);

/// Returns the public cases followed by the hidden ones.
std::vector<TwoLayerCase> two_layer_cases(const TwoLayerSpec& spec);

/// Returns the harness's standard input for `cases`, one line per case:
/// `case ID W1 B1 W2 B2 LEARNING_RATE X TARGET STEPS`, where ID is the index.
std::string two_layer_input(const std::vector<TwoLayerCase>& cases);

}  // namespace gradlings::runner
