// The harness of the gradient-flow lessons. It reads the cases from standard
// input, one per line:
//
//   flow ID N W1 ... WN
//   chain ID LAYERS WIDTH TARGET X1 ... XWIDTH SIGMOID_WEIGHTS RELU_WEIGHTS
//
// where each list of chain weights contains every matrix, layer 1 first, row by
// row, and the last matrix has one row. A flow case sends a gradient of 1.0
// through the learner's simulate_gradient_flow(). A chain case runs the
// learner's forward() and backward() on the sigmoid chain as step 1 and on
// the ReLU chain as step 2. Every value goes through the channel (see
// channel.h), named as in the learner's code: flow[2].gradient, z[3][1],
// dL_dW[0][2][1].
#include <sstream>
#include <string>
#include <vector>

#include "gradient_flow.h"
#include "harness.h"

namespace {

namespace channel = gradlings::channel;
using gradlings::harness::run_stage;
using gradlings::harness::StageResult;

struct FlowInput {
  std::string id;
  std::vector<double> weights;
};

struct ChainInput {
  std::string id;
  Vector x;
  double target = 0;
  Chain sigmoid{Activation::sigmoid, {}};
  Chain relu{Activation::relu, {}};
};

struct Input {
  std::vector<FlowInput> flows;
  std::vector<ChainInput> chains;
  std::vector<std::string> order;  // "flow" or "chain" per case, in input order
};

std::vector<Matrix> read_weights(std::istringstream& fields, int layers, int width) {
  std::vector<Matrix> weights;
  for (int l = 0; l < layers; ++l) {
    int rows = l + 1 == layers ? 1 : width;
    Matrix w(rows, Vector(width));
    for (Vector& row : w) {
      for (double& entry : row) {
        fields >> entry;
      }
    }
    weights.push_back(w);
  }
  return weights;
}

Input read_input() {
  Input input;
  for (const std::string& line : gradlings::harness::read_input_lines()) {
    std::istringstream fields(line);
    std::string word;
    fields >> word;
    if (word == "flow") {
      FlowInput flow;
      std::size_t count = 0;
      fields >> flow.id >> count;
      flow.weights.resize(count);
      for (double& w : flow.weights) {
        fields >> w;
      }
      if (fields) {
        input.flows.push_back(flow);
        input.order.push_back(word);
      }
    } else if (word == "chain") {
      ChainInput c;
      int layers = 0;
      int width = 0;
      fields >> c.id >> layers >> width >> c.target;
      c.x.resize(width > 0 ? width : 0);
      for (double& entry : c.x) {
        fields >> entry;
      }
      c.sigmoid.W = read_weights(fields, layers, width);
      c.relu.W = read_weights(fields, layers, width);
      if (fields) {
        input.chains.push_back(c);
        input.order.push_back(word);
      }
    }
  }
  return input;
}

// Calls every function once on placeholder inputs, so the runner can list
// all the functions still to be written, not only the first. The forward
// values passed to backward() are zeros of the right shape, so that
// backward() can run even when forward() is not written.
void probe_missing_stages() {
  Chain chain{Activation::sigmoid, {{{0.5}}, {{0.5}}}};
  Vector x = {1.0};
  ChainForward values{{{0.0}, {0.0}}, {{0.0}, {0.0}}};
  run_stage("classify", [&] { classify_gradient(0.5); });
  run_stage("flow", [&] { simulate_gradient_flow(1.0, {0.5}); });
  run_stage("activate", [&] { activate(Activation::sigmoid, 0.0); });
  run_stage("derivative", [&] { activation_derivative(Activation::sigmoid, 0.0); });
  run_stage("forward", [&] { forward(chain, x); });
  run_stage("backward", [&] { backward(chain, values, x, 0.5); });
}

void send_vectors(const char* name, const std::vector<Vector>& vectors) {
  for (std::size_t l = 0; l < vectors.size(); ++l) {
    for (std::size_t i = 0; i < vectors[l].size(); ++i) {
      channel::value(std::string(name) + "[" + std::to_string(l) + "][" + std::to_string(i) + "]",
                     vectors[l][i]);
    }
  }
}

void send_matrices(const char* name, const std::vector<Matrix>& matrices) {
  for (std::size_t l = 0; l < matrices.size(); ++l) {
    std::string layer = std::string(name) + "[" + std::to_string(l) + "]";
    for (std::size_t i = 0; i < matrices[l].size(); ++i) {
      for (std::size_t j = 0; j < matrices[l][i].size(); ++j) {
        channel::value(layer + "[" + std::to_string(i) + "][" + std::to_string(j) + "]",
                       matrices[l][i][j]);
      }
    }
  }
}

StageResult run_flow(const FlowInput& flow) {
  channel::record("case", flow.id);
  channel::record("step", "1");
  return run_stage("flow", [&] {
    std::vector<FlowStep> steps = simulate_gradient_flow(1.0, flow.weights);
    channel::value("flow.size()", static_cast<double>(steps.size()));
    for (std::size_t k = 0; k < steps.size(); ++k) {
      std::string name = "flow[" + std::to_string(k) + "]";
      channel::value(name + ".gradient", steps[k].gradient);
      channel::value(name + ".status", static_cast<double>(steps[k].status));
    }
  });
}

// Runs one chain as channel step `step`, stopping at the first stage that
// does not complete.
StageResult run_chain(const Chain& chain, const ChainInput& c, int step) {
  channel::record("step", std::to_string(step));
  ChainForward values;
  StageResult result = run_stage("forward", [&] {
    values = forward(chain, c.x);
    send_vectors("z", values.z);
    send_vectors("a", values.a);
  });
  if (result != StageResult::completed) {
    return result;
  }
  return run_stage("backward", [&] {
    ChainGradients g = backward(chain, values, c.x, c.target);
    send_vectors("dL_da", g.dL_da);
    send_vectors("da_dz", g.da_dz);
    send_vectors("dL_dz", g.dL_dz);
    send_matrices("dL_dW", g.dL_dW);
  });
}

StageResult run_chains(const ChainInput& c) {
  channel::record("case", c.id);
  StageResult result = run_chain(c.sigmoid, c, 1);
  if (result != StageResult::completed) {
    return result;
  }
  return run_chain(c.relu, c, 2);
}

}  // namespace

int main() {
  Input input = read_input();
  std::size_t next_flow = 0;
  std::size_t next_chain = 0;

  // A missing function stops every case of its kind at the same place, so
  // the first is enough. After it, the probe lists the other missing ones.
  for (const std::string& kind : input.order) {
    StageResult result = kind == "flow" ? run_flow(input.flows[next_flow++])
                                        : run_chains(input.chains[next_chain++]);
    if (result == StageResult::missing) {
      channel::record("probe");
      probe_missing_stages();
      break;
    }
  }

  channel::record("end");
  channel::flush();
  return 0;
}
