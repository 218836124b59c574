// Lesson 3: XOR, solved. The same code solves lesson 7, because both lessons
// use one network of any layer sizes.
#include <cmath>
#include <vector>

#include "network.h"

double sigmoid(double z) {
  return 1.0 / (1.0 + std::exp(-z));
}

ForwardPass forward(const Network& network, const std::vector<double>& x) {
  ForwardPass pass;
  pass.x = x;
  std::vector<double> input = x;

  for (const Layer& layer : network.layers) {
    std::vector<double> z(layer.W.size());
    std::vector<double> a(layer.W.size());
    for (std::size_t j = 0; j < layer.W.size(); ++j) {
      double sum = 0.0;
      for (std::size_t i = 0; i < input.size(); ++i) {
        sum += layer.W[j][i] * input[i];
      }
      z[j] = sum + layer.b[j];
      a[j] = sigmoid(z[j]);
    }
    pass.z.push_back(z);
    pass.a.push_back(a);
    input = a;
  }
  return pass;
}

double loss(const std::vector<double>& prediction, const std::vector<double>& target) {
  double total = 0.0;
  for (std::size_t j = 0; j < prediction.size(); ++j) {
    double error = prediction[j] - target[j];
    total += error * error;
  }
  return 0.5 * total;
}

Gradients backward(const Network& network, const ForwardPass& pass,
                   const std::vector<double>& target) {
  std::size_t layer_count = network.layers.size();
  Gradients gradients;
  gradients.layers.resize(layer_count);

  // Output layer: dL/da = a - target (the 1/2 cancels the 2 of the square),
  // times the sigmoid's derivative a * (1 - a).
  const std::vector<double>& output = pass.a.back();
  std::vector<double> delta(output.size());
  for (std::size_t j = 0; j < output.size(); ++j) {
    delta[j] = (output[j] - target[j]) * output[j] * (1.0 - output[j]);
  }

  for (std::size_t l = layer_count; l-- > 0;) {
    const Layer& layer = network.layers[l];
    const std::vector<double>& input = l == 0 ? pass.x : pass.a[l - 1];
    LayerGradients& g = gradients.layers[l];
    g.delta = delta;
    g.db = delta;
    g.dW.assign(delta.size(), std::vector<double>(input.size()));
    for (std::size_t j = 0; j < delta.size(); ++j) {
      for (std::size_t i = 0; i < input.size(); ++i) {
        g.dW[j][i] = delta[j] * input[i];
      }
    }
    if (l == 0) {
      break;
    }

    // The error of the layer below: back through the weights (input i feeds
    // every unit j through W[j][i]), then through that layer's sigmoid.
    std::vector<double> below(input.size());
    for (std::size_t i = 0; i < input.size(); ++i) {
      double sum = 0.0;
      for (std::size_t j = 0; j < delta.size(); ++j) {
        sum += layer.W[j][i] * delta[j];
      }
      below[i] = sum * input[i] * (1.0 - input[i]);
    }
    delta = below;
  }
  return gradients;
}

Network update(const Network& network, const Gradients& gradients, double learning_rate) {
  Network next = network;
  for (std::size_t l = 0; l < next.layers.size(); ++l) {
    Layer& layer = next.layers[l];
    const LayerGradients& g = gradients.layers[l];
    for (std::size_t j = 0; j < layer.W.size(); ++j) {
      for (std::size_t i = 0; i < layer.W[j].size(); ++i) {
        layer.W[j][i] -= learning_rate * g.dW[j][i];
      }
      layer.b[j] -= learning_rate * g.db[j];
    }
  }
  return next;
}

Network train_epoch(Network network, const std::vector<Sample>& samples, double learning_rate) {
  for (const Sample& sample : samples) {
    ForwardPass pass = forward(network, sample.x);
    Gradients gradients = backward(network, pass, sample.target);
    network = update(network, gradients, learning_rate);
  }
  return network;
}
