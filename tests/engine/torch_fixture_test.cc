// Compares the engine with PyTorch on the networks stored in
// tests/fixtures/torch_networks.json, which scripts/make_torch_fixture.py
// writes. Each network is a stack of dense layers h = act(h W + b) with the
// bias row broadcast over the batch, and a half squared error or MSE loss.
//
// Tolerance: an entry agrees when |engine - torch| <= 1e-9 + 1e-9 |torch|. Both
// sides compute in float64 and the fixture stores every number with 17
// significant digits, so only rounding in a different order of operations
// separates them.

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "engine/autodiff.h"
#include "engine/ops.h"

namespace gradlings::engine {
namespace {

constexpr double kAbsoluteTolerance = 1e-9;
constexpr double kRelativeTolerance = 1e-9;

const char kFixturePath[] = GRADLINGS_SOURCE_DIR "/tests/fixtures/torch_networks.json";

struct Layer {
  std::string activation;
  Matrix weight;
  Matrix bias;
  Matrix weight_grad;
  Matrix bias_grad;
};

struct Network {
  std::string name;
  std::string loss;
  Matrix inputs;
  Matrix targets;
  std::vector<Layer> layers;
  double loss_value = 0;
};

// Converts a JSON list of equally long rows of numbers to a matrix.
Matrix to_matrix(const nlohmann::json& rows) {
  const auto row_count = static_cast<Eigen::Index>(rows.size());
  const auto col_count = row_count == 0 ? 0 : static_cast<Eigen::Index>(rows.at(0).size());
  Matrix m(row_count, col_count);
  for (Eigen::Index r = 0; r < row_count; ++r) {
    const nlohmann::json& row = rows.at(static_cast<std::size_t>(r));
    if (static_cast<Eigen::Index>(row.size()) != col_count) {
      throw std::invalid_argument("fixture row " + std::to_string(r) + " has " +
                                  std::to_string(row.size()) + " entries, expected " +
                                  std::to_string(col_count));
    }
    for (Eigen::Index c = 0; c < col_count; ++c) {
      m(r, c) = row.at(static_cast<std::size_t>(c)).get<double>();
    }
  }
  return m;
}

std::vector<Network> load_networks() {
  std::ifstream file(kFixturePath);
  if (!file) {
    throw std::runtime_error(std::string("failed to open fixture '") + kFixturePath +
                             "' (regenerate it with scripts/make_torch_fixture.py)");
  }
  const nlohmann::json fixture = nlohmann::json::parse(file);

  std::vector<Network> networks;
  for (const nlohmann::json& entry : fixture.at("networks")) {
    Network network;
    network.name = entry.at("name").get<std::string>();
    network.loss = entry.at("loss").get<std::string>();
    network.inputs = to_matrix(entry.at("inputs"));
    network.targets = to_matrix(entry.at("targets"));
    network.loss_value = entry.at("loss_value").get<double>();
    for (const nlohmann::json& layer_entry : entry.at("layers")) {
      Layer layer;
      layer.activation = layer_entry.at("activation").get<std::string>();
      layer.weight = to_matrix(layer_entry.at("weight"));
      layer.bias = to_matrix(layer_entry.at("bias"));
      layer.weight_grad = to_matrix(layer_entry.at("weight_grad"));
      layer.bias_grad = to_matrix(layer_entry.at("bias_grad"));
      network.layers.push_back(std::move(layer));
    }
    networks.push_back(std::move(network));
  }
  return networks;
}

Var activate(const std::string& activation, const Var& z) {
  if (activation == "sigmoid") {
    return sigmoid(z);
  }
  if (activation == "tanh") {
    return tanh(z);
  }
  if (activation == "relu") {
    return relu(z);
  }
  if (activation == "identity") {
    return z;
  }
  throw std::invalid_argument("unknown activation '" + activation + "' in the fixture");
}

// The engine's version of one network: its leaves and its loss.
struct EngineNetwork {
  std::vector<Var> weights;
  std::vector<Var> biases;
  Var loss;
};

EngineNetwork build_network(const Network& network) {
  std::vector<Var> weights;
  std::vector<Var> biases;
  Var h(network.inputs, "x");
  for (std::size_t i = 0; i < network.layers.size(); ++i) {
    const Layer& layer = network.layers[i];
    weights.emplace_back(layer.weight, "w" + std::to_string(i + 1));
    biases.emplace_back(layer.bias, "b" + std::to_string(i + 1));
    h = activate(layer.activation, matmul(h, weights.back()) + biases.back());
  }

  const Var targets(network.targets, "t");
  if (network.loss == "half_squared_error") {
    return {weights, biases, half_squared_error(h, targets)};
  }
  if (network.loss == "mse") {
    return {weights, biases, mse(h, targets)};
  }
  throw std::invalid_argument("unknown loss '" + network.loss + "' in the fixture");
}

bool agrees(double engine, double torch) {
  return std::abs(engine - torch) <= kAbsoluteTolerance + kRelativeTolerance * std::abs(torch);
}

// Returns "" when every entry agrees, and otherwise one line per entry that
// does not.
std::string disagreements(const std::string& label, const Matrix& engine, const Matrix& torch) {
  if (engine.rows() != torch.rows() || engine.cols() != torch.cols()) {
    return label + ": shape " + shape_string(engine) + ", expected " + shape_string(torch) + "\n";
  }
  std::ostringstream text;
  text.precision(17);
  for (Eigen::Index r = 0; r < engine.rows(); ++r) {
    for (Eigen::Index c = 0; c < engine.cols(); ++c) {
      if (!agrees(engine(r, c), torch(r, c))) {
        text << label << " (" << r << ", " << c << "): engine " << engine(r, c) << ", torch "
             << torch(r, c) << "\n";
      }
    }
  }
  return text.str();
}

TEST(TorchFixture, CoversDepthsActivationsAndLosses) {
  const std::vector<Network> networks = load_networks();

  std::set<std::size_t> depths;
  std::set<std::string> activations;
  std::set<std::string> losses;
  std::set<Eigen::Index> batch_sizes;
  for (const Network& network : networks) {
    depths.insert(network.layers.size());
    losses.insert(network.loss);
    batch_sizes.insert(network.inputs.rows());
    for (const Layer& layer : network.layers) {
      activations.insert(layer.activation);
    }
  }

  EXPECT_GE(networks.size(), 4u);
  EXPECT_EQ(depths, (std::set<std::size_t>{2, 3, 4}));
  EXPECT_EQ(losses, (std::set<std::string>{"half_squared_error", "mse"}));
  EXPECT_TRUE(activations.count("sigmoid"));
  EXPECT_TRUE(activations.count("tanh"));
  EXPECT_TRUE(activations.count("relu"));
  EXPECT_GE(batch_sizes.size(), 3u);
}

TEST(TorchFixture, LossMatchesPyTorch) {
  for (const Network& network : load_networks()) {
    const EngineNetwork engine = build_network(network);

    EXPECT_TRUE(agrees(engine.loss.item(), network.loss_value))
        << network.name << ": engine " << engine.loss.item() << ", torch " << network.loss_value;
  }
}

TEST(TorchFixture, EveryGradientEntryMatchesPyTorch) {
  for (const Network& network : load_networks()) {
    EngineNetwork engine = build_network(network);

    engine.loss.backward();

    for (std::size_t i = 0; i < network.layers.size(); ++i) {
      const Layer& layer = network.layers[i];
      const std::string prefix = network.name + " layer " + std::to_string(i + 1);
      EXPECT_EQ(disagreements(prefix + " weight", engine.weights[i].grad(), layer.weight_grad), "");
      EXPECT_EQ(disagreements(prefix + " bias", engine.biases[i].grad(), layer.bias_grad), "");
    }
  }
}

}  // namespace
}  // namespace gradlings::engine
