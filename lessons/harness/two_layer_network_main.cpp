// The harness of the two-layer network lessons. It reads the cases from
// standard input, one per line:
//
//   case ID W1 B1 W2 B2 LEARNING_RATE X TARGET STEPS
//
// and trains the learner's network on each, sending every value through the
// channel (see channel.h).
#include <cstdio>
#include <exception>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "harness.h"
#include "two_layer_network.h"

namespace {

namespace channel = gradlings::channel;
using gradlings::harness::run_stage;
using gradlings::harness::StageResult;

struct Case {
  std::string id;
  Params params;
  double learning_rate = 0;
  double x = 0;
  double target = 0;
  int steps = 0;
};

std::vector<Case> read_cases() {
  std::vector<Case> cases;
  for (const std::string& line : gradlings::harness::read_input_lines()) {
    std::istringstream fields(line);
    std::string word;
    Case c;
    fields >> word >> c.id >> c.params.w1 >> c.params.b1 >> c.params.w2 >> c.params.b2 >>
        c.learning_rate >> c.x >> c.target >> c.steps;
    if (word == "case" && fields) {
      cases.push_back(c);
    }
  }
  return cases;
}

// Calls every stage once on placeholder inputs, so the runner can list all
// the functions still to be written, not only the first.
void probe_missing_stages(const Case& c) {
  Forward values;
  Gradients gradients;
  run_stage("forward", [&] { values = forward(c.params, c.x); });
  run_stage("loss", [&] { loss(values.a2, c.target); });
  run_stage("backward", [&] { gradients = backward(c.params, values, c.x, c.target); });
  run_stage("update", [&] { update(c.params, gradients, c.learning_rate); });
}

void send_forward(const Forward& f) {
  channel::value("z1", f.z1);
  channel::value("a1", f.a1);
  channel::value("z2", f.z2);
  channel::value("a2", f.a2);
}

void send_gradients(const Gradients& g) {
  channel::value("dL_da2", g.dL_da2);
  channel::value("da2_dz2", g.da2_dz2);
  channel::value("dL_dz2", g.dL_dz2);
  channel::value("dL_dw2", g.dL_dw2);
  channel::value("dL_db2", g.dL_db2);
  channel::value("dL_da1", g.dL_da1);
  channel::value("da1_dz1", g.da1_dz1);
  channel::value("dL_dz1", g.dL_dz1);
  channel::value("dL_dw1", g.dL_dw1);
  channel::value("dL_db1", g.dL_db1);
}

void send_params(const Params& p) {
  channel::value("new_w1", p.w1);
  channel::value("new_b1", p.b1);
  channel::value("new_w2", p.w2);
  channel::value("new_b2", p.b2);
}

// Trains on one case, stopping at the first stage that does not complete.
StageResult train(const Case& c) {
  channel::record("case", c.id);
  Params params = c.params;

  for (int step = 1; step <= c.steps; ++step) {
    channel::record("step", std::to_string(step));
    Forward values;
    Gradients gradients;

    StageResult result = run_stage("forward", [&] {
      values = forward(params, c.x);
      send_forward(values);
    });
    if (result == StageResult::completed) {
      result = run_stage("loss", [&] { channel::value("loss", loss(values.a2, c.target)); });
    }
    if (result == StageResult::completed) {
      result = run_stage("backward", [&] {
        gradients = backward(params, values, c.x, c.target);
        send_gradients(gradients);
      });
    }
    if (result == StageResult::completed) {
      result = run_stage("update", [&] {
        params = update(params, gradients, c.learning_rate);
        send_params(params);
      });
    }
    if (result != StageResult::completed) {
      return result;
    }
  }
  return StageResult::completed;
}

}  // namespace

int main() {
  return gradlings::harness::run_cases(read_cases(), train, probe_missing_stages);
}
