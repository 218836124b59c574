// The harness of the gradient descent lessons. It reads the cases from
// standard input, one per line:
//
//   case ID START TARGET LEARNING_RATE EPOCHS GRADIENT
//
// where GRADIENT is the reference's dL/dw at START. For each case it first
// calls the helpers once on their own and sends their results as step -1:
// loss = loss(START, TARGET), gradient = gradient(START, TARGET) and
// update = update(GRADIENT, LEARNING_RATE). update() gets the reference's
// gradient, so that a wrong gradient() cannot make it wrong too.
//
// It then calls the learner's train() and sends its log through the channel
// (see channel.h). Each epoch gets a step record, numbered from 0, with the
// values weight, loss, gradient and update. A last step, numbered EPOCHS, has
// one value, weight, which is the final weight.
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "gradient_descent.h"
#include "harness.h"

namespace {

namespace channel = gradlings::channel;
using gradlings::harness::run_stage;
using gradlings::harness::StageResult;

struct Case {
  std::string id;
  double start = 0;
  double target = 0;
  double learning_rate = 0;
  int epochs = 0;
  double gradient_at_start = 0;  // the reference's dL/dw at `start`
};

std::vector<Case> read_cases() {
  std::vector<Case> cases;
  for (const std::string& line : gradlings::harness::read_input_lines()) {
    std::istringstream fields(line);
    std::string word;
    Case c;
    fields >> word >> c.id >> c.start >> c.target >> c.learning_rate >> c.epochs >>
        c.gradient_at_start;
    if (word == "case" && fields) {
      cases.push_back(c);
    }
  }
  return cases;
}

// Sends the helpers' results as step -1, so that each is checked on its own
// and not only through train(). A missing one is reported under its own
// name, in the order of the file, rather than as a failure inside train().
StageResult call_helpers(const Case& c) {
  channel::record("step", "-1");
  StageResult result = run_stage("loss", [&] { channel::value("loss", loss(c.start, c.target)); });
  if (result == StageResult::completed) {
    result =
        run_stage("gradient", [&] { channel::value("gradient", gradient(c.start, c.target)); });
  }
  if (result == StageResult::completed) {
    result = run_stage(
        "update", [&] { channel::value("update", update(c.gradient_at_start, c.learning_rate)); });
  }
  return result;
}

void probe_missing_stages(const Case& c) {
  run_stage("loss", [&] { loss(c.start, c.target); });
  run_stage("gradient", [&] { gradient(c.start, c.target); });
  run_stage("update", [&] { update(1.0, c.learning_rate); });
  run_stage("train", [&] { train(c.start, c.target, c.learning_rate, c.epochs); });
}

void send_log(const Training& training, int epochs) {
  for (int e = 0; e < epochs; ++e) {
    const Epoch& row = training.epochs[static_cast<std::size_t>(e)];
    channel::record("step", std::to_string(e));
    channel::value("weight", row.weight);
    channel::value("loss", row.loss);
    channel::value("gradient", row.gradient);
    channel::value("update", row.update);
  }
  channel::record("step", std::to_string(epochs));
  channel::value("weight", training.final_weight);
}

StageResult run_case(const Case& c) {
  channel::record("case", c.id);
  StageResult result = call_helpers(c);
  if (result != StageResult::completed) {
    return result;
  }

  return run_stage("train", [&] {
    Training training = train(c.start, c.target, c.learning_rate, c.epochs);
    if (training.epochs.size() != static_cast<std::size_t>(c.epochs)) {
      throw gradlings::harness::InvalidResult("train() returned " + std::to_string(training.epochs.size()) +
                              " rows for " + std::to_string(c.epochs) +
                              " epochs, but it must return one row per epoch");
    }
    send_log(training, c.epochs);
  });
}

}  // namespace

int main() {
  return gradlings::harness::run_cases(read_cases(), run_case, probe_missing_stages);
}
