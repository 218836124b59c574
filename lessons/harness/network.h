// A fully connected network of any layer sizes, with a sigmoid on every layer
// and the loss L = 0.5 * sum over the outputs of (a - target)^2.
//
// Layer l turns its input (the network's input x for layer 0, the previous
// layer's activations after that) into
//
//   z[j] = sum over i of W[j][i] * input[i]  +  b[j]     a[j] = sigmoid(z[j])
//
// Your exercise.cpp defines the five functions declared at the bottom. The
// runner first calls forward, loss, backward and update on single samples,
// then trains your network with your train_epoch.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "gradlings.h"

// One fully connected layer.
struct Layer {
  std::vector<std::vector<double>> W;  // W[j][i]: the weight from input i to unit j
  std::vector<double> b;               // b[j]: the bias of unit j
};

// The weights of the whole network. layers[0] reads the input x and
// layers.back() produces the prediction.
struct Network {
  std::vector<Layer> layers;
};

// The values of one forward pass, kept for the backward pass.
struct ForwardPass {
  std::vector<double> x;               // the input the pass started from
  std::vector<std::vector<double>> z;  // z[l][j]: pre-activation of unit j in layer l
  std::vector<std::vector<double>> a;  // a[l][j] = sigmoid(z[l][j]); a.back() is the prediction
};

// The derivatives of the loss for one layer, shaped like the layer.
struct LayerGradients {
  std::vector<double> delta;            // delta[j] = dL/dz[j], the error of unit j
  std::vector<std::vector<double>> dW;  // dW[j][i] = dL/dW[j][i]
  std::vector<double> db;               // db[j] = dL/db[j]
};

// The derivatives of the loss for every layer: layers[l] belongs to
// network.layers[l].
struct Gradients {
  std::vector<LayerGradients> layers;
};

// One training or test example.
struct Sample {
  std::vector<double> x;       // the input
  std::vector<double> target;  // the wanted output
};

// A small generator of random numbers, SplitMix64, written out so that every
// compiler draws the same sequence (the standard distributions differ between
// standard libraries). The runner uses the same generator, so a network made
// by random_network() below starts from the same weights on both sides.
struct SplitMix64 {
  std::uint64_t state = 0;

  std::uint64_t next() {
    state += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  // Returns a number in [low, high), from the top 53 bits of next().
  double uniform(double low, double high) {
    double unit = static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0);
    return low + (high - low) * unit;
  }
};

// Returns a network with the given widths, input first: {1, 2, 1} is one
// input, two hidden units and one output. Each weight is drawn uniformly from
// [-1, 1) and scaled by sqrt(2 / inputs of its layer), row by row and layer by
// layer, and every bias starts at 0. The same seed always gives the same
// network.
inline Network random_network(const std::vector<int>& sizes, std::uint64_t seed) {
  SplitMix64 random{seed};
  Network network;
  for (std::size_t l = 0; l + 1 < sizes.size(); ++l) {
    int inputs = sizes[l];
    int units = sizes[l + 1];
    double scale = std::sqrt(2.0 / inputs);

    Layer layer;
    layer.W.assign(units, std::vector<double>(inputs, 0.0));
    layer.b.assign(units, 0.0);
    for (int j = 0; j < units; ++j) {
      for (int i = 0; i < inputs; ++i) {
        layer.W[j][i] = random.uniform(-1.0, 1.0) * scale;
      }
    }
    network.layers.push_back(layer);
  }
  return network;
}

// Runs the network on input x and keeps every z and a.
ForwardPass forward(const Network& network, const std::vector<double>& x);

// Returns 0.5 * the sum over the outputs of (prediction - target)^2.
double loss(const std::vector<double>& prediction, const std::vector<double>& target);

// Returns every derivative of the loss of one sample, given its forward pass.
Gradients backward(const Network& network, const ForwardPass& pass,
                   const std::vector<double>& target);

// Returns the network after one step of gradient descent.
Network update(const Network& network, const Gradients& gradients, double learning_rate);

// Trains for one epoch: one forward pass, backward pass and update per sample,
// in the order given. Returns the trained network.
Network train_epoch(Network network, const std::vector<Sample>& samples, double learning_rate);
