// The training part of a network case: the learner's train_epoch compared
// with the reference trajectory at checkpoints, the progress table, the loss
// curve and the final test.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "engine/network.h"
#include "runner/grader.h"
#include "runner/kinds/network.h"
#include "runner/lesson.h"

namespace gradlings::runner {

namespace {

constexpr double kCorrectWithin = 0.1;  // the final test's "Correct?": |prediction - target| < this
constexpr int kPlotHeight = 8;
constexpr int kPlotWidth = 60;

struct TrainingContext {
  const Lesson& lesson;
  const NetworkCase& c;
  std::vector<NetworkPoint> points;  // the samples, then the test points
  std::vector<engine::NetworkSample> samples;
  std::vector<engine::NetworkParams> trajectory;  // the reference weights after each epoch
};

std::string point_label(const NetworkCase& c, const NetworkPoint& point, bool test) {
  std::vector<std::string> inputs;
  for (double x : point.x) {
    inputs.push_back(fmt::format("{:.4g}", x));
  }
  return fmt::format("{}({}){}", c.function, fmt::join(inputs, ","), test ? " (test)" : "");
}

// Checks the learner's weights after `epoch` and returns the first that is
// wrong, or nullopt when all are right.
std::optional<Check> check_weights(CaseGrader& grader, const TrainingContext& t,
                                   const StepValues& step, int epoch, const std::string& where) {
  std::optional<Check> first_wrong;
  const engine::NetworkParams& expected = t.trajectory[epoch];
  auto check_one = [&](const std::string& label, double value) {
    Check check;
    check.label = label;
    check.actual = step.find(label);
    check.expected = value;
    check.note = fmt::format("after epoch {}", epoch);
    if (!grader.evaluate(check, t.lesson.tolerance, where) && !first_wrong) {
      first_wrong = check;
    }
  };
  for (std::size_t l = 0; l < expected.size(); ++l) {
    for (Eigen::Index j = 0; j < expected[l].W.rows(); ++j) {
      for (Eigen::Index i = 0; i < expected[l].W.cols(); ++i) {
        check_one(fmt::format("W[{}][{}][{}]", l, j, i), expected[l].W(j, i));
      }
      check_one(fmt::format("b[{}][{}]", l, j), expected[l].b(j, 0));
    }
  }
  return first_wrong;
}

// Returns the progress table's row for a checkpoint: the epoch, the mean
// loss and the first output's prediction at every point. Every output is
// checked, shown or not.
std::vector<Cell> checkpoint_row(CaseGrader& grader, const TrainingContext& t,
                                 const StepValues& step, int epoch, const std::string& where,
                                 std::vector<Cell>& final_predictions) {
  const engine::NetworkParams& params = t.trajectory[epoch];
  Check loss;
  loss.label = "average loss";
  loss.actual = step.find("avg_loss");
  loss.expected = engine::average_loss(params, t.samples);
  loss.decimals = 4;
  grader.evaluate(loss, t.lesson.tolerance, where);
  std::vector<Cell> row = {{std::to_string(epoch), std::nullopt}, {"", loss}};

  final_predictions.clear();
  for (std::size_t k = 0; k < t.points.size(); ++k) {
    engine::Matrix output = engine::network_output(params, to_engine(t.points[k]).x);
    for (Eigen::Index j = 0; j < output.rows(); ++j) {
      Check check;
      check.label = fmt::format("prediction[{}][{}]", k, j);
      check.actual = step.find(check.label);
      check.expected = output(j, 0);
      grader.evaluate(check, t.lesson.tolerance, where);
      final_predictions.push_back({"", check});
      if (j == 0) {
        row.push_back({"", check});
      }
    }
  }
  return row;
}

Section final_test_section(const TrainingContext& t, int epoch,
                           const std::vector<Cell>& predictions) {
  Section section{fmt::format("Final test after epoch {}", epoch), {}};
  bool has_tests = !t.c.tests.empty();
  Table table{{"Input", "Target", "Prediction", "Correct?"}, {}};
  if (has_tests) {
    table.header.push_back("Trained on");
  }

  std::size_t next = 0;
  for (std::size_t k = 0; k < t.points.size(); ++k) {
    const NetworkPoint& point = t.points[k];
    bool correct = true;
    for (std::size_t j = 0; j < point.target.size() && next < predictions.size(); ++j, ++next) {
      const Check& check = *predictions[next].check;
      correct =
          correct && check.actual && std::abs(*check.actual - point.target[j]) < kCorrectWithin;
      std::vector<Cell> row = {
          {j == 0 ? fmt::format("{:.4g}", fmt::join(point.x, ", ")) : "", std::nullopt},
          {fmt::format("{:.3f}", point.target[j]), std::nullopt},
          predictions[next],
          {"", std::nullopt}};
      if (has_tests) {
        std::string trained_on = k < t.c.samples.size() ? "yes" : "no";
        row.push_back({j == 0 ? trained_on : "", std::nullopt});
      }
      table.rows.push_back(row);
    }
    table.rows[table.rows.size() - point.target.size()][3].text = correct ? "✓" : "✗";
  }
  section.lines.push_back({"", std::nullopt, table});
  section.lines.push_back({fmt::format("Correct means within {} of the target.", kCorrectWithin),
                           std::nullopt, std::nullopt});
  return section;
}

// Fills the progress section: the table, a note on hidden outputs, and the
// first wrong weight, or a line saying all weights match.
void add_progress_lines(Section& progress, const Table& table,
                        const std::optional<Check>& wrong_weight, int outputs) {
  progress.lines.push_back({"", std::nullopt, table});
  if (outputs > 1) {
    progress.lines.push_back(
        {fmt::format("The table shows output 0 of each point; all {} outputs are checked.",
                     outputs),
         std::nullopt, std::nullopt});
  }
  if (wrong_weight) {
    progress.lines.push_back({"", wrong_weight, std::nullopt});
  } else {
    progress.lines.push_back(
        {"Every weight and bias matches the reference at each of these epochs.", std::nullopt,
         std::nullopt});
  }
}

// The comparison of every epoch the harness reported.
struct EpochResults {
  Table table{{"Epoch", "Avg Loss"}, {}};  // one row per checkpoint
  std::optional<Check> wrong_weight;       // the first wrong weight at a checkpoint
  std::vector<double> losses;              // the learner's average loss after each epoch
  std::vector<Cell> predictions;           // every prediction at the last checkpoint
  int last_checkpoint = -1;
  std::optional<Section> stopped;  // set when train_epoch returned the wrong shape
};

EpochResults grade_epochs(CaseGrader& grader, const TrainingContext& t,
                          const std::vector<StepValues>& epochs) {
  EpochResults results;
  for (std::size_t k = 0; k < t.points.size(); ++k) {
    results.table.header.push_back(point_label(t.c, t.points[k], k >= t.c.samples.size()));
  }
  std::vector<int> checkpoints = checkpoint_epochs(t.c);

  for (std::size_t e = 0; e < epochs.size() && e < t.trajectory.size(); ++e) {
    const StepValues& step = epochs[e];
    int epoch = static_cast<int>(e);
    std::string where = fmt::format("training, epoch {}", epoch);
    Section shape_failure{
        fmt::format("After epoch {}: the network your train_epoch returned", epoch), {}};
    if (add_shape_failure(shape_failure, grader, step, "trained", t.c.sizes, where)) {
      results.stopped = shape_failure;
      break;
    }

    results.losses.push_back(step.find("avg_loss").value_or(NAN));
    if (!std::binary_search(checkpoints.begin(), checkpoints.end(), epoch)) {
      continue;
    }
    std::optional<Check> wrong = check_weights(grader, t, step, epoch, where);
    if (wrong && !results.wrong_weight) {
      results.wrong_weight = wrong;
    }
    results.table.rows.push_back(
        checkpoint_row(grader, t, step, epoch, where, results.predictions));
    results.last_checkpoint = epoch;
  }
  return results;
}

}  // namespace

void add_training_sections(CaseTrace& trace, CaseGrader& grader, const Lesson& lesson,
                           const NetworkCase& c, const std::vector<StepValues>& epochs) {
  TrainingContext t{lesson, c, c.samples, {}, {}};
  t.points.insert(t.points.end(), c.tests.begin(), c.tests.end());
  for (const NetworkPoint& sample : c.samples) {
    t.samples.push_back(to_engine(sample));
  }
  t.trajectory = engine::training_trajectory(c.start, t.samples, c.learning_rate, c.epochs);
  EpochResults results = grade_epochs(grader, t, epochs);

  if (!results.table.rows.empty()) {
    Section progress{fmt::format("Training with your train_epoch: {} epochs of one update per "
                                 "sample, in order",
                                 c.epochs),
                     {}};
    add_progress_lines(progress, results.table, results.wrong_weight, c.sizes.back());
    trace.sections.push_back(progress);
  }
  if (results.stopped) {
    trace.sections.push_back(*results.stopped);
    return;
  }

  if (results.losses.size() >= 2) {
    Section curve{"Loss curve: your average loss after each epoch", {}};
    for (const std::string& line : loss_plot(results.losses, kPlotHeight, kPlotWidth)) {
      curve.lines.push_back({line, std::nullopt, std::nullopt});
    }
    trace.sections.push_back(curve);
  }
  if (results.last_checkpoint == c.epochs) {
    trace.sections.push_back(final_test_section(t, results.last_checkpoint, results.predictions));
  }
}

}  // namespace gradlings::runner
