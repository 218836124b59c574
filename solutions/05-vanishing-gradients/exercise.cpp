// Lesson 5: vanishing and exploding gradients, solved.
#include <cmath>
#include <vector>

#include "gradient_flow.h"

GradientStatus classify_gradient(double gradient) {
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

std::vector<FlowStep> simulate_gradient_flow(double initial_gradient,
                                             const std::vector<double>& weights) {
  std::vector<FlowStep> flow;
  double gradient = initial_gradient;
  for (double weight : weights) {
    gradient *= weight;
    flow.push_back({gradient, classify_gradient(gradient)});
  }
  return flow;
}

double activate(Activation activation, double z) {
  if (activation == Activation::sigmoid) {
    return 1.0 / (1.0 + std::exp(-z));
  }
  return z > 0.0 ? z : 0.0;
}

double activation_derivative(Activation activation, double z) {
  if (activation == Activation::sigmoid) {
    double s = activate(activation, z);
    return s * (1.0 - s);
  }
  return z > 0.0 ? 1.0 : 0.0;
}

ChainForward forward(const Chain& chain, const Vector& x) {
  ChainForward values;
  Vector input = x;
  for (std::size_t l = 0; l < chain.W.size(); ++l) {
    const Matrix& W = chain.W[l];
    bool last = l + 1 == chain.W.size();
    Vector z(W.size(), 0.0);
    Vector a(W.size(), 0.0);
    for (std::size_t i = 0; i < W.size(); ++i) {
      for (std::size_t j = 0; j < input.size(); ++j) {
        z[i] += W[i][j] * input[j];
      }
      a[i] = last ? z[i] : activate(chain.activation, z[i]);
    }
    values.z.push_back(z);
    values.a.push_back(a);
    input = a;
  }
  return values;
}

ChainGradients backward(const Chain& chain, const ChainForward& values, const Vector& x,
                        double target) {
  std::size_t layers = chain.W.size();
  ChainGradients g;
  g.dL_da.resize(layers);
  g.da_dz.resize(layers);
  g.dL_dz.resize(layers);
  g.dL_dW.resize(layers);

  // The loss 0.5 * (y - target)^2 gives dL/dy = y - target.
  g.dL_da[layers - 1] = {values.a[layers - 1][0] - target};

  for (std::size_t l = layers; l-- > 0;) {
    const Matrix& W = chain.W[l];
    const Vector& input = l == 0 ? x : values.a[l - 1];
    bool last = l + 1 == layers;

    // Through the activation: one local derivative per unit.
    g.da_dz[l].resize(W.size());
    g.dL_dz[l].resize(W.size());
    for (std::size_t i = 0; i < W.size(); ++i) {
      g.da_dz[l][i] = last ? 1.0 : activation_derivative(chain.activation, values.z[l][i]);
      g.dL_dz[l][i] = g.dL_da[l][i] * g.da_dz[l][i];
    }

    // The weight gradient: z[i] depends on W[i][j] through W[i][j] * input[j].
    g.dL_dW[l] = Matrix(W.size(), Vector(input.size(), 0.0));
    for (std::size_t i = 0; i < W.size(); ++i) {
      for (std::size_t j = 0; j < input.size(); ++j) {
        g.dL_dW[l][i][j] = g.dL_dz[l][i] * input[j];
      }
    }

    // Back to the previous layer: input[j] reaches every z[i] through W[i][j].
    if (l > 0) {
      g.dL_da[l - 1].assign(input.size(), 0.0);
      for (std::size_t i = 0; i < W.size(); ++i) {
        for (std::size_t j = 0; j < input.size(); ++j) {
          g.dL_da[l - 1][j] += W[i][j] * g.dL_dz[l][i];
        }
      }
    }
  }
  return g;
}
