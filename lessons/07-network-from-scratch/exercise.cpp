// Lesson 7: a network from scratch, for any layer sizes.
//
// Fill in the six functions below, from top to bottom, then run
//   runner lesson 7
// If your lesson 3 code passed, start from it: nothing in it should depend
// on the 2 → 2 → 1 shape of XOR. The runner checks forward, loss, backward
// and update on networks of many shapes, then trains a 1 → 2 → 1 network
// on x² with your train_epoch. Delete each not_implemented() call once you
// have written the body.
// Stuck? `runner hint 7` shows one hint at a time.
//
// The types (Network, Layer, ForwardPass, Gradients, LayerGradients, Sample)
// are declared in network.h, with a comment on every field.
#include <cmath>
#include <vector>

#include "network.h"

// The logistic function, 1 / (1 + e^(-z)). Every layer uses it.
double sigmoid(double z) {
  not_implemented();
}

// Forward pass: run x through the layers in order and keep every z and a.
// For unit j of a layer whose input is `input` (x for layers[0], the
// previous layer's a after that):
//   z[j] = W[j][0] * input[0] + W[j][1] * input[1] + ... + b[j]
//   a[j] = sigmoid(z[j])
// Store x in pass.x too: backward needs the input of layers[0].
ForwardPass forward(const Network& network, const std::vector<double>& x) {
  not_implemented();
}

// The loss of one sample: half the sum of the squared errors of the outputs.
// Keep the half: backward starts from dL/da = a - target, which is the
// derivative of exactly this loss.
double loss(const std::vector<double>& prediction, const std::vector<double>& target) {
  not_implemented();
}

// Backward pass: the derivative of the loss with respect to every weight and
// bias, found from the output layer back to the first.
//   Output layer:  delta[j] = (a[j] - target[j]) * a[j] * (1 - a[j])
//   Every layer:   dW[j][i] = delta[j] * input[i]     db[j] = delta[j]
//   Layer below:   delta_below[i] = (sum over j of W[j][i] * delta[j])
//                                   * a_below[i] * (1 - a_below[i])
// a * (1 - a) is the sigmoid's derivative, written with the unit's output.
// Fill in gradients.layers[l] for every layer l, delta included, each sized
// from the network: dW[j] has one entry per input of the layer.
Gradients backward(const Network& network, const ForwardPass& pass,
                   const std::vector<double>& target) {
  not_implemented();
}

// Gradient descent: return a copy of the network with every weight and bias
// moved against its gradient,  W[j][i] - learning_rate * dW[j][i].
Network update(const Network& network, const Gradients& gradients, double learning_rate) {
  not_implemented();
}

// One epoch of training: for each sample, in order, a forward pass, a
// backward pass and an update, so each sample starts from the weights that
// the one before it left. Return the trained network.
Network train_epoch(Network network, const std::vector<Sample>& samples, double learning_rate) {
  not_implemented();
}
