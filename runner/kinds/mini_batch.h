// The mini-batch lesson kind: one hidden sigmoid layer and a linear output,
// trained on a batch of samples at once with matrices, one sample per row,
// and the loss (1/B) Σ ½‖y − t‖². The trace checks every entry of every
// matrix, names an entry as Z1[r][c] or db1[j], and grades each step from
// the learner's own weights at its start.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/mini_batch.h"
#include "runner/diagnosis.h"
#include "runner/kind.h"
#include "runner/yaml_doc.h"

namespace gradlings::runner {

/// One training run on one batch that the harness performs and the grader
/// checks.
struct MiniBatchCase {
  std::string name;                // "public", or "hidden 3"
  bool hidden = false;             // drawn from the seed rather than written in the file
  engine::MiniBatchParams params;  // the weights before the first step
  double learning_rate = 0;
  engine::Matrix X;  // B × inputs, one sample per row
  engine::Matrix T;  // B × outputs
  int steps = 0;
};

/// The distribution of the hidden cases. They keep the model's layer
/// widths. The batch size is drawn from `batch`, and every weight, bias,
/// input and target is uniform in its range.
struct MiniBatchHidden {
  std::uint64_t seed = 0;
  int count = 0;
  int steps = 0;
  Range batch;  // whole numbers
  Range weights;
  Range x;
  Range target;
};

struct MiniBatchSpec : KindSpec {
  engine::MiniBatchParams params;     // the model's starting weights
  double learning_rate = 0;
  std::vector<MiniBatchCase> cases;   // the public cases, in file order
  MiniBatchHidden hidden;
};

std::unique_ptr<LessonKind> make_mini_batch_kind();

/// Reads 'model', 'cases' and 'hidden' from `doc`. Throws Error located at
/// the offending value.
MiniBatchSpec parse_mini_batch_spec(const YamlDoc& doc);

/// Returns the public cases followed by the hidden ones.
std::vector<MiniBatchCase> mini_batch_cases(const MiniBatchSpec& spec);

/// Returns the harness's standard input for `cases`, one line per case (the
/// format is in lessons/harness/mini_batch_main.cpp).
std::string mini_batch_input(const std::vector<MiniBatchCase>& cases);

/// Builds one trace per case that the harness reported on, in case order.
std::vector<CaseTrace> grade_mini_batch(const Lesson& lesson,
                                        const std::vector<MiniBatchCase>& cases,
                                        const ChannelData& data);

/// The values of one step as the learner's code computed them, as matrices
/// shaped like the reference's (biases and gradients of biases as rows), with
/// the inputs of the step. An entry the learner never reported is NaN.
struct BatchValues {
  engine::Matrix X, T;
  engine::MiniBatchParams params;  // the learner's weights at the start of the step
  engine::Matrix Z1, H, Y;
  double loss = 0;
  engine::Matrix dY, dW2, db2, dH, dZ1, dW1, db1;
};

/// Returns the suspects of entry (r, c) of the learner's value `name`
/// ("loss", "Z1", "db1"), each computed from the learner's own inputs of it.
/// Returns nullopt when `name` has no suspects.
std::optional<Suspects> mini_batch_suspects(std::string_view name, Eigen::Index r, Eigen::Index c,
                                            const BatchValues& v);

}  // namespace gradlings::runner
