// Sending a network's values through the channel, checking each shape first.
// A vector whose size is wrong is sent as a `NAME.size()` value instead, and
// the sender returns false, because the learner's next function would index
// past its end. Included only by harness sources, never by exercises.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "channel.h"
#include "network.h"

namespace gradlings::network_harness {

// Returns NAME[i].
inline std::string index(const std::string& name, std::size_t i) {
  return name + "[" + std::to_string(i) + "]";
}

// Sends `size` as NAME.size() and returns false when it is not `expected`.
inline bool size_matches(const std::string& name, std::size_t size, std::size_t expected) {
  if (size == expected) {
    return true;
  }
  channel::value(name + ".size()", static_cast<double>(size));
  return false;
}

// Sends values[i] as NAME[i] when the vector has `expected` entries.
inline bool send_vector(const std::string& shape_name, const std::string& name,
                        const std::vector<double>& values, std::size_t expected) {
  if (!size_matches(shape_name, values.size(), expected)) {
    return false;
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    channel::value(index(name, i), values[i]);
  }
  return true;
}

inline bool send_matrix(const std::string& shape_name, const std::string& name,
                        const std::vector<std::vector<double>>& rows, std::size_t row_count,
                        std::size_t column_count) {
  if (!size_matches(shape_name, rows.size(), row_count)) {
    return false;
  }
  for (std::size_t j = 0; j < rows.size(); ++j) {
    if (!send_vector(index(shape_name, j), index(name, j), rows[j], column_count)) {
      return false;
    }
  }
  return true;
}

// Sends a network's W and b as W[l][j][i] and b[l][j]. `owner` names the
// network in shape messages, e.g. "updated".
inline bool send_network(const std::string& owner, const Network& network,
                         const std::vector<int>& sizes) {
  std::size_t layer_count = sizes.size() - 1;
  if (!size_matches(owner + ".layers", network.layers.size(), layer_count)) {
    return false;
  }
  for (std::size_t l = 0; l < layer_count; ++l) {
    const Layer& layer = network.layers[l];
    std::string shape = index(owner + ".layers", l);
    if (!send_matrix(shape + ".W", index("W", l), layer.W, sizes[l + 1], sizes[l]) ||
        !send_vector(shape + ".b", index("b", l), layer.b, sizes[l + 1])) {
      return false;
    }
  }
  return true;
}

// Returns whether pass.x has the input's width and pass.z and pass.a have
// one entry per layer and one value per unit, sending the first size that is
// wrong.
inline bool forward_shape_matches(const ForwardPass& pass, const std::vector<int>& sizes) {
  std::size_t layer_count = sizes.size() - 1;
  if (!size_matches("pass.x", pass.x.size(), static_cast<std::size_t>(sizes.front())) ||
      !size_matches("pass.z", pass.z.size(), layer_count) ||
      !size_matches("pass.a", pass.a.size(), layer_count)) {
    return false;
  }
  for (std::size_t l = 0; l < layer_count; ++l) {
    std::size_t units = static_cast<std::size_t>(sizes[l + 1]);
    if (!size_matches(index("pass.z", l), pass.z[l].size(), units) ||
        !size_matches(index("pass.a", l), pass.a[l].size(), units)) {
      return false;
    }
  }
  return true;
}

inline bool send_forward(const ForwardPass& pass, const std::vector<int>& sizes) {
  if (!forward_shape_matches(pass, sizes)) {
    return false;
  }
  for (std::size_t l = 0; l + 1 < sizes.size(); ++l) {
    send_vector(index("pass.z", l), index("z", l), pass.z[l], pass.z[l].size());
    send_vector(index("pass.a", l), index("a", l), pass.a[l], pass.a[l].size());
  }
  return true;
}

inline bool send_gradients(const Gradients& gradients, const std::vector<int>& sizes) {
  std::size_t layer_count = sizes.size() - 1;
  if (!size_matches("gradients.layers", gradients.layers.size(), layer_count)) {
    return false;
  }
  // From the output back, the order in which backpropagation finds them.
  for (std::size_t l = layer_count; l-- > 0;) {
    const LayerGradients& g = gradients.layers[l];
    std::string shape = index("gradients.layers", l);
    std::size_t units = static_cast<std::size_t>(sizes[l + 1]);
    if (!send_vector(shape + ".delta", index("delta", l), g.delta, units) ||
        !send_matrix(shape + ".dW", index("dW", l), g.dW, units, sizes[l]) ||
        !send_vector(shape + ".db", index("db", l), g.db, units)) {
      return false;
    }
  }
  return true;
}

// Returns whether every layer of `network` has the widths in `sizes`.
inline bool network_fits(const Network& network, const std::vector<int>& sizes) {
  if (network.layers.size() + 1 != sizes.size()) {
    return false;
  }
  for (std::size_t l = 0; l < network.layers.size(); ++l) {
    const Layer& layer = network.layers[l];
    std::size_t units = static_cast<std::size_t>(sizes[l + 1]);
    if (layer.W.size() != units || layer.b.size() != units) {
      return false;
    }
    for (const auto& row : layer.W) {
      if (row.size() != static_cast<std::size_t>(sizes[l])) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace gradlings::network_harness
