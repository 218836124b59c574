// Lesson 3: learning XOR.
//
// Fill in the six functions below, from top to bottom, then run
//   runner lesson 3
// The runner first checks one forward pass, backward pass and update for
// each of the four XOR samples, then trains your network with your own
// train_epoch and compares it with the reference every 200 epochs. Delete
// each not_implemented() call once you have written the body.
// Stuck? `runner hint 3` shows one hint at a time.
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
// Fill in gradients.layers[l] for every layer l, delta included.
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
