// The harness of the network lessons. It reads the cases from standard input
// (see network_cases.h). For each training sample of a case it runs the
// learner's forward, loss, backward and update once from the starting
// weights, with central differences of the learner's own loss in between.
// Then it trains with the learner's train_epoch and sends the mean loss after
// every epoch, and the predictions and weights at the checkpoints. Every value
// goes through the channel (see channel.h). A result of the wrong shape ends
// its case (see network_records.h).
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "harness.h"
#include "network.h"
#include "network_cases.h"
#include "network_records.h"

namespace {

namespace channel = gradlings::channel;
using gradlings::harness::run_stage;
using gradlings::harness::StageResult;
using namespace gradlings::network_harness;

// The end of a case: it ran to the end, a function is not written yet, or
// a stage threw or returned the wrong shape.
enum class CaseEnd { finished, missing, stopped };

// Sends the central difference (L(w + h) - L(w - h)) / 2h of the learner's
// own forward and loss for every weight and bias, as numerical:dW[l][j][i] and
// numerical:db[l][j]. It shows whether backward differentiates that loss.
void send_numerical_gradients(const Case& c, const Sample& sample) {
  double h = c.gradient_step;
  Network network = c.start;
  auto loss_at = [&] {
    ForwardPass pass = forward(network, sample.x);
    return pass.a.empty() ? 0.0 : loss(pass.a.back(), sample.target);
  };
  auto difference = [&](double& parameter) {
    double saved = parameter;
    parameter = saved + h;
    double above = loss_at();
    parameter = saved - h;
    double below = loss_at();
    parameter = saved;
    return (above - below) / (2 * h);
  };

  for (std::size_t l = 0; l < network.layers.size(); ++l) {
    Layer& layer = network.layers[l];
    for (std::size_t j = 0; j < layer.W.size(); ++j) {
      for (std::size_t i = 0; i < layer.W[j].size(); ++i) {
        channel::value("numerical:" + index(index(index("dW", l), j), i),
                       difference(layer.W[j][i]));
      }
      channel::value("numerical:" + index(index("db", l), j), difference(layer.b[j]));
    }
  }
}

// Runs forward, loss, backward and update on one sample from the starting
// weights, with a gradient check in between.
CaseEnd check_sample(const Case& c, const Sample& sample) {
  ForwardPass pass;
  Gradients gradients;
  bool shapes_match = true;

  StageResult result = run_stage("forward", [&] {
    pass = forward(c.start, sample.x);
    shapes_match = send_forward(pass, c.sizes);
  });
  if (result == StageResult::completed && shapes_match) {
    result = run_stage("loss", [&] { channel::value("loss", loss(pass.a.back(), sample.target)); });
  }
  if (result == StageResult::completed && shapes_match) {
    result = run_stage("backward", [&] {
      gradients = backward(c.start, pass, sample.target);
      shapes_match = send_gradients(gradients, c.sizes);
    });
  }
  if (result == StageResult::completed && shapes_match) {
    result = run_stage("loss", [&] { send_numerical_gradients(c, sample); });
  }
  if (result == StageResult::completed && shapes_match) {
    result = run_stage("update", [&] {
      shapes_match = send_network("updated", update(c.start, gradients, c.learning_rate), c.sizes);
    });
  }

  if (result == StageResult::missing) {
    return CaseEnd::missing;
  }
  return result == StageResult::completed && shapes_match ? CaseEnd::finished : CaseEnd::stopped;
}

// Returns the prediction of the learner's forward, after checking its shape.
std::optional<std::vector<double>> predict(const Network& network, const std::vector<double>& x,
                                           const std::vector<int>& sizes) {
  ForwardPass pass = forward(network, x);
  if (!forward_shape_matches(pass, sizes)) {
    return std::nullopt;
  }
  return pass.a.back();
}

// Sends the epoch, the mean loss over the training samples and, at a
// checkpoint, the predictions at every sample and test point and the weights.
// Returns false when a forward pass has the wrong shape.
bool send_epoch(const Case& c, const Network& network, int epoch) {
  channel::value("epoch", epoch);
  double total = 0;
  for (const Sample& sample : c.samples) {
    std::optional<std::vector<double>> prediction = predict(network, sample.x, c.sizes);
    if (!prediction) {
      return false;
    }
    total += loss(*prediction, sample.target);
  }
  channel::value("avg_loss", total / static_cast<double>(c.samples.size()));

  if (std::find(c.checkpoints.begin(), c.checkpoints.end(), epoch) == c.checkpoints.end()) {
    return true;
  }
  std::vector<Sample> points = c.samples;
  points.insert(points.end(), c.tests.begin(), c.tests.end());
  for (std::size_t k = 0; k < points.size(); ++k) {
    std::optional<std::vector<double>> prediction = predict(network, points[k].x, c.sizes);
    if (!prediction) {
      return false;
    }
    for (std::size_t j = 0; j < prediction->size(); ++j) {
      channel::value(index(index("prediction", k), j), (*prediction)[j]);
    }
  }
  return send_network("trained", network, c.sizes);
}

CaseEnd train(const Case& c, int& step) {
  Network network = c.start;
  for (int epoch = 0; epoch <= c.epochs; ++epoch) {
    StageResult result = StageResult::completed;
    if (epoch > 0) {
      result = run_stage("train_epoch",
                         [&] { network = train_epoch(network, c.samples, c.learning_rate); });
    }
    if (result == StageResult::missing) {
      return CaseEnd::missing;
    }
    if (result != StageResult::completed) {
      return CaseEnd::stopped;
    }

    channel::record("step", std::to_string(++step));
    if (!network_fits(network, c.sizes)) {
      send_network("trained", network, c.sizes);
      channel::flush();
      return CaseEnd::stopped;
    }
    bool shapes_match = true;
    result = run_stage("forward", [&] { shapes_match = send_epoch(c, network, epoch); });
    if (result == StageResult::missing) {
      return CaseEnd::missing;
    }
    if (result != StageResult::completed || !shapes_match) {
      return CaseEnd::stopped;
    }
  }
  return CaseEnd::finished;
}

CaseEnd run_case(const Case& c) {
  channel::record("case", c.id);
  int step = 0;
  for (const Sample& sample : c.samples) {
    channel::record("step", std::to_string(++step));
    CaseEnd end = check_sample(c, sample);
    if (end != CaseEnd::finished) {
      return end;
    }
  }
  return c.epochs > 0 ? train(c, step) : CaseEnd::finished;
}

// Returns a forward pass or gradients of the right shape, all zeros, for
// probing functions whose inputs the learner's code could not produce.
ForwardPass zero_pass(const Case& c, const Sample& sample) {
  ForwardPass pass;
  pass.x = sample.x;
  for (std::size_t l = 1; l < c.sizes.size(); ++l) {
    pass.z.emplace_back(c.sizes[l], 0.0);
    pass.a.emplace_back(c.sizes[l], 0.0);
  }
  return pass;
}

Gradients zero_gradients(const Case& c) {
  Gradients gradients;
  for (std::size_t l = 1; l < c.sizes.size(); ++l) {
    LayerGradients g;
    g.delta.assign(c.sizes[l], 0.0);
    g.dW.assign(c.sizes[l], std::vector<double>(c.sizes[l - 1], 0.0));
    g.db.assign(c.sizes[l], 0.0);
    gradients.layers.push_back(g);
  }
  return gradients;
}

// Calls every function once, so the runner can list all the functions still
// to be written, not only the first. Each gets inputs of the right shape,
// so a function that is written cannot index past the end of them.
void probe_missing_functions(const Case& c) {
  const Sample& sample = c.samples.front();
  run_stage("forward", [&] { forward(c.start, sample.x); });
  run_stage("loss", [&] { loss(sample.target, sample.target); });
  run_stage("backward", [&] { backward(c.start, zero_pass(c, sample), sample.target); });
  run_stage("update", [&] { update(c.start, zero_gradients(c), c.learning_rate); });
  run_stage("train_epoch", [&] { train_epoch(c.start, {}, c.learning_rate); });
}

}  // namespace

int main() {
  std::vector<Case> cases = read_cases();

  // A missing function stops every case at the same place, so the first one
  // is enough. After it, the probe lists the other missing functions.
  for (const Case& c : cases) {
    if (run_case(c) == CaseEnd::missing && !c.samples.empty()) {
      channel::record("probe");
      probe_missing_functions(c);
      break;
    }
  }

  channel::record("end");
  channel::flush();
  return 0;
}
