#include "engine/network.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "engine/ops.h"

namespace gradlings::engine {

namespace {

// The graph of one forward pass, with the weights as named leaves.
struct Graph {
  std::vector<Var> W, b, z, a;
  Var loss{Matrix::Zero(1, 1)};
};

void check_shapes(const NetworkParams& params, const NetworkSample& sample) {
  if (params.empty()) {
    throw std::invalid_argument("network: no layers");
  }

  Eigen::Index inputs = sample.x.rows();
  if (sample.x.cols() != 1) {
    throw std::invalid_argument("network: the input is " + shape_string(sample.x) +
                                ", but it must be a column");
  }
  for (std::size_t l = 0; l < params.size(); ++l) {
    const DenseLayer& layer = params[l];
    if (layer.W.cols() != inputs || layer.b.rows() != layer.W.rows() || layer.b.cols() != 1) {
      throw std::invalid_argument("network: layer " + std::to_string(l) + " has W " +
                                  shape_string(layer.W) + " and b " + shape_string(layer.b) +
                                  ", but it takes " + std::to_string(inputs) + " inputs");
    }
    inputs = layer.W.rows();
  }
  if (sample.target.rows() != inputs || sample.target.cols() != 1) {
    throw std::invalid_argument("network: the target is " + shape_string(sample.target) +
                                ", but the output is " + std::to_string(inputs) + "x1");
  }
}

Graph build(const NetworkParams& params, const NetworkSample& sample) {
  check_shapes(params, sample);
  Graph g;
  Var previous(sample.x, "x");

  for (std::size_t l = 0; l < params.size(); ++l) {
    g.W.emplace_back(params[l].W, "W" + std::to_string(l));
    g.b.emplace_back(params[l].b, "b" + std::to_string(l));
    g.z.push_back(add(matmul(g.W.back(), previous), g.b.back()));
    g.a.push_back(sigmoid(g.z.back()));
    previous = g.a.back();
  }

  g.loss = half_squared_error(previous, Var(sample.target, "target"));
  return g;
}

}  // namespace

NetworkPass network_pass(const NetworkParams& params, const NetworkSample& sample) {
  Graph g = build(params, sample);
  NetworkPass pass;
  pass.loss = g.loss.item();
  g.loss.backward();

  for (std::size_t l = 0; l < params.size(); ++l) {
    pass.z.push_back(g.z[l].value());
    pass.a.push_back(g.a[l].value());
    pass.delta.push_back(g.z[l].grad());
    pass.dW.push_back(g.W[l].grad());
    pass.db.push_back(g.b[l].grad());
  }
  return pass;
}

Matrix network_output(const NetworkParams& params, const Matrix& x) {
  NetworkSample sample{x, Matrix::Zero(params.empty() ? 0 : params.back().W.rows(), 1)};
  return build(params, sample).a.back().value();
}

double network_loss(const NetworkParams& params, const NetworkSample& sample) {
  return build(params, sample).loss.item();
}

double average_loss(const NetworkParams& params, const std::vector<NetworkSample>& samples) {
  if (samples.empty()) {
    return 0;
  }
  double total = 0;
  for (const NetworkSample& sample : samples) {
    total += network_loss(params, sample);
  }
  return total / static_cast<double>(samples.size());
}

NetworkParams sgd_update(const NetworkParams& params, const NetworkPass& pass,
                         double learning_rate) {
  NetworkParams next = params;
  for (std::size_t l = 0; l < next.size(); ++l) {
    next[l].W -= learning_rate * pass.dW[l];
    next[l].b -= learning_rate * pass.db[l];
  }
  return next;
}

NetworkParams train_epoch(NetworkParams params, const std::vector<NetworkSample>& samples,
                          double learning_rate) {
  for (const NetworkSample& sample : samples) {
    params = sgd_update(params, network_pass(params, sample), learning_rate);
  }
  return params;
}

std::vector<NetworkParams> training_trajectory(NetworkParams params,
                                               const std::vector<NetworkSample>& samples,
                                               double learning_rate, int epochs) {
  std::vector<NetworkParams> trajectory;
  trajectory.reserve(static_cast<std::size_t>(epochs > 0 ? epochs : 0) + 1);
  trajectory.push_back(params);
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    params = train_epoch(std::move(params), samples, learning_rate);
    trajectory.push_back(params);
  }
  return trajectory;
}

std::uint64_t SplitMix64::next() {
  state_ += 0x9e3779b97f4a7c15ULL;
  std::uint64_t z = state_;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double SplitMix64::uniform(double low, double high) {
  constexpr double kTwoToMinus53 = 1.0 / 9007199254740992.0;
  double unit = static_cast<double>(next() >> 11) * kTwoToMinus53;
  return low + (high - low) * unit;
}

NetworkParams random_network(const std::vector<int>& sizes, std::uint64_t seed) {
  if (sizes.size() < 2) {
    throw std::invalid_argument("random_network: " + std::to_string(sizes.size()) +
                                " sizes, but a network needs an input and an output width");
  }
  for (int size : sizes) {
    if (size < 1) {
      throw std::invalid_argument("random_network: width " + std::to_string(size) +
                                  " is not positive");
    }
  }

  SplitMix64 random(seed);
  NetworkParams params;
  for (std::size_t l = 0; l + 1 < sizes.size(); ++l) {
    int inputs = sizes[l];
    int units = sizes[l + 1];
    double scale = std::sqrt(2.0 / inputs);
    DenseLayer layer{Matrix(units, inputs), Matrix::Zero(units, 1)};
    for (int j = 0; j < units; ++j) {
      for (int i = 0; i < inputs; ++i) {
        layer.W(j, i) = random.uniform(-1.0, 1.0) * scale;
      }
    }
    params.push_back(std::move(layer));
  }
  return params;
}

}  // namespace gradlings::engine
