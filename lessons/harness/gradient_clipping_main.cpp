// The harness of the gradient clipping lessons. It reads the cases from
// standard input, one per line:
//
//   case ID N CLIP_VALUE MAX_NORM W_1 ... W_N C_1 ... C_N
//
// calls the learner's functions in order on each and sends the results
// through the channel (see channel.h), all in step 1: g_I, by_value_I, norm,
// scale and by_norm_I, for I from 1 to N. The clipping functions receive the
// learner's own gradient.
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "gradient_clipping.h"
#include "harness.h"

namespace {

namespace channel = gradlings::channel;
using gradlings::harness::run_stage;
using gradlings::harness::StageResult;

struct Case {
  std::string id;
  double clip_value = 0;
  double max_norm = 0;
  std::vector<double> w;
  std::vector<double> c;
};

std::vector<Case> read_cases() {
  std::vector<Case> cases;
  for (const std::string& line : gradlings::harness::read_input_lines()) {
    std::istringstream fields(line);
    std::string word;
    std::size_t n = 0;
    Case c;
    fields >> word >> c.id >> n >> c.clip_value >> c.max_norm;
    c.w.resize(n);
    c.c.resize(n);
    for (double& value : c.w) {
      fields >> value;
    }
    for (double& value : c.c) {
      fields >> value;
    }
    if (word == "case" && fields) {
      cases.push_back(c);
    }
  }
  return cases;
}

// Throws when a function returned a vector of the wrong length, which would
// leave entries unchecked.
void check_length(const char* function, const std::vector<double>& result, std::size_t expected) {
  if (result.size() != expected) {
    throw gradlings::harness::InvalidResult(std::string(function) + "() returned " + std::to_string(result.size()) +
                            " values for a gradient of " + std::to_string(expected) +
                            ", but it must return one per entry");
  }
}

void send_vector(const std::string& name, const std::vector<double>& values) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    channel::value(name + "_" + std::to_string(i + 1), values[i]);
  }
}

void probe_missing_stages(const Case& c) {
  std::vector<double> g(c.w.size(), 1.0);
  run_stage("gradient", [&] { gradient(c.w, c.c); });
  run_stage("clip_by_value", [&] { clip_by_value(g, c.clip_value); });
  run_stage("global_norm", [&] { global_norm(g); });
  run_stage("clip_scale", [&] { clip_scale(1.0, c.max_norm); });
  run_stage("clip_by_norm", [&] { clip_by_norm(g, c.max_norm); });
}

StageResult run_case(const Case& c) {
  channel::record("case", c.id);
  channel::record("step", "1");
  std::vector<double> g;
  double norm = 0;

  StageResult result = run_stage("gradient", [&] {
    g = gradient(c.w, c.c);
    check_length("gradient", g, c.w.size());
    send_vector("g", g);
  });
  if (result == StageResult::completed) {
    result = run_stage("clip_by_value", [&] {
      std::vector<double> clipped = clip_by_value(g, c.clip_value);
      check_length("clip_by_value", clipped, g.size());
      send_vector("by_value", clipped);
    });
  }
  if (result == StageResult::completed) {
    result = run_stage("global_norm", [&] {
      norm = global_norm(g);
      channel::value("norm", norm);
    });
  }
  if (result == StageResult::completed) {
    result = run_stage("clip_scale", [&] { channel::value("scale", clip_scale(norm, c.max_norm)); });
  }
  if (result == StageResult::completed) {
    result = run_stage("clip_by_norm", [&] {
      std::vector<double> clipped = clip_by_norm(g, c.max_norm);
      check_length("clip_by_norm", clipped, g.size());
      send_vector("by_norm", clipped);
    });
  }
  return result;
}

}  // namespace

int main() {
  return gradlings::harness::run_cases(read_cases(), run_case, probe_missing_stages);
}
