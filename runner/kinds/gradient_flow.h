// The gradient-flow lesson kind: vanishing and exploding gradients. A flow
// case sends a gradient of 1.0 back through a list of weights and sorts each
// running value by size. The trace prints the table Layer | Weight |
// Gradient | Status. A chain case runs a deep chain of dense layers twice,
// with sigmoid units and small weights and with ReLU units and He-scaled
// weights, and draws the size of each layer's weight gradient on a log scale.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/gradient_flow.h"
#include "runner/kind.h"
#include "runner/yaml_doc.h"

namespace gradlings::runner {

/// A gradient of 1.0 sent back through `weights`, weights[0] first.
struct FlowCase {
  std::string name;  // "small weights", or "hidden flow 3"
  bool hidden = false;
  std::vector<double> weights;
};

/// The shape, seed and target of a chain case, from which its weights and
/// input are drawn.
struct ChainDraw {
  std::uint64_t seed = 0;
  int layers = 0;  // weight matrices, the last of them with one row
  int width = 0;   // units per layer before the last, and entries of x
  double target = 0;
};

/// Two chains of the same shape, input and target: one with sigmoid units and
/// one with ReLU units, each with its own weights.
struct ChainCase {
  std::string name;  // "twelve layers", or "hidden chain 2"
  bool hidden = false;
  ChainDraw draw;
  engine::DeepChain sigmoid;
  engine::DeepChain relu;
};

/// The distributions the chains are drawn from. The sigmoid chain's weights
/// are uniform in `sigmoid_weights`. The ReLU chain's are He-uniform, in
/// [-sqrt(6 / fan_in), sqrt(6 / fan_in)], which keeps the variance of the
/// signal through a layer of ReLU units. Every entry of x is uniform in `x`.
struct ChainWeights {
  Range sigmoid_weights;
  Range x;
};

/// An inclusive range of whole numbers, written `[low, high]`.
struct IntRange {
  int low = 0;
  int high = 0;
};

/// The hidden cases: `flows` lists of random length and weights, then
/// `chains` chain cases of random depth, width and target. Hidden flow k
/// (from 0) draws all its weights uniformly from flow_weights[k % size], so
/// bands of small, large and near-one weights take turns.
struct GradientFlowHidden {
  std::uint64_t seed = 0;
  int flows = 0;
  IntRange flow_layers;
  std::vector<Range> flow_weights;
  int chains = 0;
  IntRange chain_layers;
  IntRange chain_width;
  Range target;
};

struct GradientFlowSpec : KindSpec {
  std::vector<FlowCase> flows;    // public, in file order
  std::vector<ChainCase> chains;  // public, in file order, already drawn
  ChainWeights chain_weights;
  GradientFlowHidden hidden;
};

/// Every case of the lesson: the flows, public then hidden, then the chains,
/// public then hidden. Harness case ids index flows first, then chains.
struct GradientFlowCases {
  std::vector<FlowCase> flows;
  std::vector<ChainCase> chains;
};

std::unique_ptr<LessonKind> make_gradient_flow_kind();

/// Reads 'flows', 'chains', 'chain_weights' and 'hidden' from `doc`. Throws
/// Error located at the offending value.
GradientFlowSpec parse_gradient_flow_spec(const YamlDoc& doc);

/// Draws the weights and input of one chain case from its seed.
ChainCase draw_chain_case(const ChainDraw& draw, const ChainWeights& weights);

/// Returns the public cases followed by the hidden ones.
GradientFlowCases gradient_flow_cases(const GradientFlowSpec& spec);

/// Returns the harness's standard input, one line per case:
///   flow ID N W1 ... WN
///   chain ID LAYERS WIDTH TARGET X1 ... XWIDTH SIGMOID_WEIGHTS RELU_WEIGHTS
/// where each list of weights contains every matrix, layer 1 first, row by row.
std::string gradient_flow_input(const GradientFlowCases& cases);

/// Builds one trace per case that the harness reported on, in case order.
std::vector<CaseTrace> grade_gradient_flow(const Lesson& lesson, const GradientFlowCases& cases,
                                           const ChannelData& data);

}  // namespace gradlings::runner
