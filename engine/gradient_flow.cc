#include "engine/gradient_flow.h"

#include <cmath>
#include <stdexcept>

#include "engine/ops.h"

namespace gradlings::engine {

namespace {

// The graph of one pass through a deep chain, with the weights as leaves.
struct ChainGraph {
  std::vector<Var> weights;
  std::vector<Var> z;
  std::vector<Var> a;
  Var loss;
};

void check_shapes(const DeepChain& chain) {
  if (chain.weights.empty()) {
    throw std::invalid_argument("deep chain: no layers");
  }
  Eigen::Index inputs = chain.x.rows();
  if (chain.x.cols() != 1) {
    throw std::invalid_argument("deep chain: x must be a column, not " + shape_string(chain.x));
  }
  for (std::size_t l = 0; l < chain.weights.size(); ++l) {
    const Matrix& w = chain.weights[l];
    if (w.cols() != inputs) {
      throw std::invalid_argument("deep chain: layer " + std::to_string(l + 1) + " has weights " +
                                  shape_string(w) + " but " + std::to_string(inputs) + " inputs");
    }
    inputs = w.rows();
  }
  if (inputs != 1) {
    throw std::invalid_argument("deep chain: the last layer must have one unit, not " +
                                std::to_string(inputs));
  }
}

ChainGraph build(const DeepChain& chain) {
  check_shapes(chain);
  std::vector<Var> weights;
  std::vector<Var> z;
  std::vector<Var> a;
  Var previous(chain.x, "x");
  std::size_t last = chain.weights.size() - 1;

  for (std::size_t l = 0; l <= last; ++l) {
    weights.emplace_back(chain.weights[l], "W" + std::to_string(l + 1));
    z.push_back(matmul(weights.back(), previous));
    if (l < last) {
      a.push_back(chain.activation == Activation::sigmoid ? sigmoid(z.back()) : relu(z.back()));
    } else {
      a.push_back(z.back());
    }
    previous = a.back();
  }

  Var loss = half_squared_error(previous, Var::scalar(chain.target, "target"));
  return {weights, z, a, loss};
}

}  // namespace

GradientStatus gradient_status(double gradient) {
  double size = std::abs(gradient);
  if (size < 0.001) {
    return GradientStatus::vanishing;
  }
  if (size > 100) {
    return GradientStatus::exploding;
  }
  if (size < 0.1) {
    return GradientStatus::getting_weak;
  }
  if (size > 10) {
    return GradientStatus::getting_large;
  }
  return GradientStatus::healthy;
}

std::string gradient_status_name(GradientStatus status) {
  switch (status) {
    case GradientStatus::vanishing:
      return "vanishing";
    case GradientStatus::exploding:
      return "exploding";
    case GradientStatus::getting_weak:
      return "getting weak";
    case GradientStatus::getting_large:
      return "getting large";
    case GradientStatus::healthy:
      return "healthy";
  }
  return "unknown";
}

std::vector<double> gradient_flow(double initial_gradient, const std::vector<double>& weights) {
  // products[k] = weights[k] * products[k + 1], built from the far end, so the
  // gradient meets weights[0] first on its way back from the root. The last
  // entry is the leaf h, whose value does not affect the gradients.
  std::vector<Var> products(weights.size() + 1, Var::scalar(1.0, "h"));
  for (std::size_t k = weights.size(); k-- > 0;) {
    products[k] = mul(Var::scalar(weights[k], "w" + std::to_string(k + 1)), products[k + 1]);
  }

  Var root = scale(products[0], initial_gradient);
  root.backward();

  std::vector<double> gradients;
  for (std::size_t k = 1; k <= weights.size(); ++k) {
    gradients.push_back(products[k].grad_item());
  }
  return gradients;
}

ChainPass deep_chain_pass(const DeepChain& chain) {
  ChainGraph g = build(chain);
  ChainPass pass;
  pass.loss = g.loss.item();

  g.loss.backward();
  for (std::size_t l = 0; l < g.weights.size(); ++l) {
    ChainLayer layer;
    layer.z = g.z[l].value();
    layer.a = g.a[l].value();
    layer.dL_da = g.a[l].grad();
    layer.dL_dz = g.z[l].grad();
    layer.dL_dW = g.weights[l].grad();
    pass.layers.push_back(layer);
  }

  // The local derivatives: backward() from the sum of a layer's activations
  // leaves da_i/dz_i in z.grad, because unit i's activation depends on z_i
  // alone. This resets the loss's gradients, so they are read above first.
  std::size_t last = g.weights.size() - 1;
  for (std::size_t l = 0; l < last; ++l) {
    sum(g.a[l]).backward();
    pass.layers[l].da_dz = g.z[l].grad();
  }
  pass.layers[last].da_dz = Matrix::Ones(g.z[last].rows(), 1);
  return pass;
}

double deep_chain_loss(const DeepChain& chain) { return build(chain).loss.item(); }

}  // namespace gradlings::engine
