// The network lesson kind: a fully connected network of any layer sizes, a
// sigmoid on every layer and the loss 0.5 * sum((a - target)^2). The learner
// writes forward, loss, backward, update and train_epoch over plain vectors
// (lessons/harness/network.h). Each case first checks one pass per training
// sample from the starting weights, then trains with the learner's
// train_epoch and compares the trajectory with the reference at checkpoints.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/network.h"
#include "runner/diagnosis.h"
#include "runner/kind.h"
#include "runner/trace.h"
#include "runner/yaml_doc.h"

namespace gradlings::runner {

class CaseGrader;

/// One sample: an input and the output wanted for it.
struct NetworkPoint {
  std::vector<double> x;
  std::vector<double> target;
};

/// One network that the harness checks and trains.
struct NetworkCase {
  std::string name;                   // "public", or "hidden 3"
  bool hidden = false;                // drawn from the seed rather than written in the file
  std::vector<int> sizes;             // layer widths, input first
  std::optional<std::uint64_t> seed;  // set: the weights are random_network(sizes, seed)
  engine::NetworkParams start;        // the weights before training, always filled
  double learning_rate = 0;
  std::vector<NetworkPoint> samples;  // trained on, in order; each also checked alone
  std::vector<NetworkPoint> tests;    // predicted at checkpoints, never trained on
  std::string function;               // names prediction columns: "XOR" gives "XOR(0,1)"
  int epochs = 0;                     // calls of train_epoch; 0 skips training
  int checkpoint_every = 1;           // epochs between compared checkpoints
};

/// A group of hidden cases, each a copy of the public case `base` with
/// something drawn from `seed`: new starting weights, or a whole new shape
/// with random samples.
struct HiddenNetworks {
  enum class Draw { weights, shapes };

  /// An inclusive range of whole numbers, written in YAML as `[low, high]`.
  struct IntRange {
    int low = 0;
    int high = 0;
  };

  Draw draw = Draw::weights;
  std::uint64_t seed = 0;
  int count = 0;
  std::string base;  // the public case whose learning rate and samples are copied
  int epochs = 0;
  int checkpoint_every = 1;
  IntRange layers;  // shapes only: how many layers of weights
  IntRange width;   // shapes only: the width of every layer, input and output too
  Range x;          // shapes only: each input
  Range target;     // shapes only: each target
};

struct NetworkSpec : KindSpec {
  std::vector<NetworkCase> cases;      // the public cases, in file order
  std::vector<HiddenNetworks> hidden;  // the groups of hidden cases, in file order
};

std::unique_ptr<LessonKind> make_network_kind();

/// Reads 'cases' and 'hidden' from `doc`. Throws Error located at the
/// offending value.
NetworkSpec parse_network_spec(const YamlDoc& doc);

/// Returns the public cases followed by every hidden group's cases.
std::vector<NetworkCase> network_cases(const NetworkSpec& spec);

/// Returns the epochs after which the weights and predictions are compared:
/// 0, 1, every checkpoint_every-th and the last. Empty when epochs is 0.
std::vector<int> checkpoint_epochs(const NetworkCase& c);

/// Returns the harness's standard input for `cases` in the format described
/// in lessons/harness/network_cases.h. Each case's ID is its index.
std::string network_input(const std::vector<NetworkCase>& cases, double gradient_step);

/// Builds one trace per case that the harness reported on, in case order.
/// A case the harness never reached gets no trace.
std::vector<CaseTrace> grade_network(const Lesson& lesson, const std::vector<NetworkCase>& cases,
                                     const ChannelData& data);

// The parts of grade_network() that live in other files.

/// Converts a point to the engine's column vectors.
engine::NetworkSample to_engine(const NetworkPoint& point);

/// Returns the name of the size the harness reported wrong, such as
/// "gradients.layers[1].dW.size()", as a failed check against the size the
/// network's `sizes` need. Returns nullopt when `step` has no such value whose
/// name starts with `owner` ("pass", "gradients", "updated", "trained").
std::optional<Check> shape_check(const StepValues& step, const std::string& owner,
                                 const std::vector<int>& sizes);

/// Appends a one-row table (Size | Yours | Expected) for the wrong size in
/// `step` whose name starts with `owner`, fails it with `grader`, and returns
/// true. Returns false, adding nothing, when every size was right.
bool add_shape_failure(Section& section, CaseGrader& grader, const StepValues& step,
                       const std::string& owner, const std::vector<int>& sizes,
                       const std::string& where);

/// Returns the suspects of a cell, by its label, or nullopt.
using SuspectsOf = std::function<std::optional<Suspects>(const std::string& label)>;

/// Returns a table of a network's weights, one row per unit: layer, unit, b
/// and W[j][0], W[j][1], ... Without `learner` and `grader`, the cells show
/// `params` as text. With them, each cell is the learner's value named
/// W[l][j][i] or b[l][j], checked against `params` at the lesson's tolerance,
/// and diagnosed with `suspects` when it is set.
Table weights_table(const engine::NetworkParams& params, const StepValues* learner,
                    CaseGrader* grader, const Lesson& lesson, const std::string& where,
                    const SuspectsOf& suspects = {});

/// Appends the training sections: the progress table, the weights at each
/// checkpoint, the loss curve and the final test. `epochs` contains the
/// steps the harness sent after the per-sample ones, one per epoch from 0.
void add_training_sections(CaseTrace& trace, CaseGrader& grader, const Lesson& lesson,
                           const NetworkCase& c, const std::vector<StepValues>& epochs);

/// Returns the suspects of the learner's value `label` in one sample's pass
/// from `start` ("loss", "delta[1][0]", "db[0][1]", "dW[1][0][1]"). Each is
/// computed from the learner's own values that it depends on, in `learner`.
/// Returns nullopt when the label has no suspects or a value it needs is
/// missing.
std::optional<Suspects> network_suspects(const std::string& label, const StepValues& learner,
                                         const engine::NetworkParams& start,
                                         const NetworkPoint& point);

/// Returns the suspects of the updated weight or bias `label` ("W[1][0][1]",
/// "b[0][1]"): the step taken uphill, from the learner's own gradient.
std::optional<Suspects> network_update_suspects(const std::string& label, const StepValues& learner,
                                                const engine::NetworkParams& start,
                                                double learning_rate);

/// Returns the suspects of a gradient that disagrees with `numerical`, the
/// central difference of the learner's own loss.
Suspects network_gradient_check_suspects(double numerical);

/// Returns a plot of `losses` (one per epoch from 0) in Unicode block
/// characters, `height` rows high and at most `width` columns wide, with the
/// loss on the vertical axis and the epoch on the horizontal one.
std::vector<std::string> loss_plot(const std::vector<double>& losses, int height, int width);

}  // namespace gradlings::runner
