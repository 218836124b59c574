// The harness of the mini-batch lessons. It reads the cases from standard
// input, one per line:
//
//   case ID BATCH INPUTS HIDDEN OUTPUTS LEARNING_RATE STEPS W1... b1... W2... b2... X... T...
//
// with every matrix row by row, and trains the learner's network on each,
// sending every value through the channel (see channel.h) as NAME[r][c] for
// a matrix and NAME[j] for a bias. A result of the wrong shape ends its case
// with an `invalid` record that names it.
#include <sstream>
#include <string>
#include <vector>

#include "harness.h"
#include "mini_batch.h"

namespace {

namespace channel = gradlings::channel;
using gradlings::harness::InvalidResult;
using gradlings::harness::run_stage;
using gradlings::harness::StageResult;

struct Case {
  std::string id;
  int batch = 0;
  int inputs = 0;
  int hidden = 0;
  int outputs = 0;
  double learning_rate = 0;
  int steps = 0;
  Params params;
  Matrix X;
  Matrix T;
};

bool read_matrix(std::istringstream& fields, Matrix& m, int rows, int cols) {
  m = Matrix(rows, cols);
  for (double& value : m.data) {
    fields >> value;
  }
  return static_cast<bool>(fields);
}

bool read_vector(std::istringstream& fields, std::vector<double>& v, int size) {
  v.assign(static_cast<std::size_t>(size), 0.0);
  for (double& value : v) {
    fields >> value;
  }
  return static_cast<bool>(fields);
}

std::vector<Case> read_cases() {
  std::vector<Case> cases;
  for (const std::string& line : gradlings::harness::read_input_lines()) {
    std::istringstream fields(line);
    std::string word;
    Case c;
    fields >> word >> c.id >> c.batch >> c.inputs >> c.hidden >> c.outputs >> c.learning_rate >>
        c.steps;
    bool complete = word == "case" && fields &&
                    read_matrix(fields, c.params.W1, c.hidden, c.inputs) &&
                    read_vector(fields, c.params.b1, c.hidden) &&
                    read_matrix(fields, c.params.W2, c.outputs, c.hidden) &&
                    read_vector(fields, c.params.b2, c.outputs) &&
                    read_matrix(fields, c.X, c.batch, c.inputs) &&
                    read_matrix(fields, c.T, c.batch, c.outputs);
    if (complete) {
      cases.push_back(c);
    }
  }
  return cases;
}

std::string index(const std::string& name, int i) { return name + "[" + std::to_string(i) + "]"; }

// Throws InvalidResult unless `m` is rows × cols with as many entries.
void expect_shape(const char* name, const Matrix& m, int rows, int cols) {
  bool fits = m.rows == rows && m.cols == cols &&
              m.data.size() == static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols);
  if (!fits) {
    throw InvalidResult(std::string(name) + " is " + std::to_string(m.rows) + "x" +
                        std::to_string(m.cols) + " with " + std::to_string(m.data.size()) +
                        " entries, expected " + std::to_string(rows) + "x" +
                        std::to_string(cols));
  }
}

void expect_size(const char* name, const std::vector<double>& v, int size) {
  if (v.size() != static_cast<std::size_t>(size)) {
    throw InvalidResult(std::string(name) + " has " + std::to_string(v.size()) +
                        " entries, expected " + std::to_string(size));
  }
}

void send_matrix(const char* name, const Matrix& m) {
  for (int r = 0; r < m.rows; ++r) {
    for (int c = 0; c < m.cols; ++c) {
      channel::value(index(index(name, r), c), m(r, c));
    }
  }
}

void send_vector(const char* name, const std::vector<double>& v) {
  for (std::size_t j = 0; j < v.size(); ++j) {
    channel::value(index(name, static_cast<int>(j)), v[j]);
  }
}

void send_forward(const Case& c, const Forward& f) {
  expect_shape("Z1", f.Z1, c.batch, c.hidden);
  expect_shape("H", f.H, c.batch, c.hidden);
  expect_shape("Y", f.Y, c.batch, c.outputs);
  send_matrix("Z1", f.Z1);
  send_matrix("H", f.H);
  send_matrix("Y", f.Y);
}

void send_gradients(const Case& c, const Gradients& g) {
  expect_shape("dY", g.dY, c.batch, c.outputs);
  expect_shape("dW2", g.dW2, c.outputs, c.hidden);
  expect_size("db2", g.db2, c.outputs);
  expect_shape("dH", g.dH, c.batch, c.hidden);
  expect_shape("dZ1", g.dZ1, c.batch, c.hidden);
  expect_shape("dW1", g.dW1, c.hidden, c.inputs);
  expect_size("db1", g.db1, c.hidden);
  send_matrix("dY", g.dY);
  send_matrix("dW2", g.dW2);
  send_vector("db2", g.db2);
  send_matrix("dH", g.dH);
  send_matrix("dZ1", g.dZ1);
  send_matrix("dW1", g.dW1);
  send_vector("db1", g.db1);
}

void send_params(const Case& c, const Params& p) {
  expect_shape("W1", p.W1, c.hidden, c.inputs);
  expect_size("b1", p.b1, c.hidden);
  expect_shape("W2", p.W2, c.outputs, c.hidden);
  expect_size("b2", p.b2, c.outputs);
  send_matrix("new_W1", p.W1);
  send_vector("new_b1", p.b1);
  send_matrix("new_W2", p.W2);
  send_vector("new_b2", p.b2);
}

// Calls every stage once on placeholder inputs, so the runner can list all
// the functions still to be written, not only the first.
void probe_missing_stages(const Case& c) {
  Forward values{Matrix(c.batch, c.hidden), Matrix(c.batch, c.hidden), Matrix(c.batch, c.outputs)};
  Gradients gradients;
  run_stage("forward", [&] { forward(c.params, c.X); });
  run_stage("loss", [&] { loss(values.Y, c.T); });
  run_stage("backward", [&] { gradients = backward(c.params, c.X, values, c.T); });
  run_stage("update", [&] { update(c.params, gradients, c.learning_rate); });
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
      values = forward(params, c.X);
      send_forward(c, values);
    });
    if (result == StageResult::completed) {
      result = run_stage("loss", [&] { channel::value("loss", loss(values.Y, c.T)); });
    }
    if (result == StageResult::completed) {
      result = run_stage("backward", [&] {
        gradients = backward(params, c.X, values, c.T);
        send_gradients(c, gradients);
      });
    }
    if (result == StageResult::completed) {
      result = run_stage("update", [&] {
        params = update(params, gradients, c.learning_rate);
        send_params(c, params);
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
