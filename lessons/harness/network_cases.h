// The cases of the network harness, as the runner writes them to standard
// input: one field per line, each case starting with its `case` line.
//
//   case ID
//   sizes N0 N1 ... NL          layer widths, input first
//   seed S                      weights from random_network(sizes, S), or
//   weights V ...               every W row by row, then b, layer by layer
//   learning_rate R
//   gradient_step H             the h of the central differences
//   sample X... T...            a training sample: N0 inputs, NL targets
//   test X... T...              a point that is never trained on
//   epochs E                    how many times to call train_epoch
//   checkpoints E1 E2 ...       epochs after which every weight is sent
//
// Included only by harness sources, never by exercises.
#pragma once

#include <algorithm>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "harness.h"
#include "network.h"

namespace gradlings::network_harness {

// One case: a network, its samples and how long to train it.
struct Case {
  std::string id;
  std::vector<int> sizes;
  Network start;
  double learning_rate = 0;
  double gradient_step = 1e-6;
  std::vector<Sample> samples;
  std::vector<Sample> tests;
  int epochs = 0;
  std::vector<int> checkpoints;
};

namespace detail {

inline std::vector<double> read_numbers(std::istringstream& fields) {
  std::vector<double> numbers;
  for (double number = 0; fields >> number;) {
    numbers.push_back(number);
  }
  return numbers;
}

inline Network network_from_numbers(const std::vector<int>& sizes,
                                    const std::vector<double>& numbers) {
  Network network;
  std::size_t next = 0;
  auto take = [&] { return next < numbers.size() ? numbers[next++] : 0.0; };
  for (std::size_t l = 0; l + 1 < sizes.size(); ++l) {
    Layer layer;
    layer.W.assign(sizes[l + 1], std::vector<double>(sizes[l], 0.0));
    for (auto& row : layer.W) {
      for (double& w : row) {
        w = take();
      }
    }
    layer.b.assign(sizes[l + 1], 0.0);
    for (double& b : layer.b) {
      b = take();
    }
    network.layers.push_back(layer);
  }
  return network;
}

inline Sample sample_from_numbers(const std::vector<int>& sizes,
                                  const std::vector<double>& numbers) {
  std::size_t inputs = static_cast<std::size_t>(sizes.front());
  std::size_t end = std::min(numbers.size(), inputs);
  return {std::vector<double>(numbers.begin(), numbers.begin() + end),
          std::vector<double>(numbers.begin() + end, numbers.end())};
}

inline void read_field(Case& c, const std::string& word, std::istringstream& fields) {
  if (word == "sizes") {
    for (int size = 0; fields >> size;) {
      c.sizes.push_back(size);
    }
  } else if (word == "seed") {
    std::uint64_t seed = 0;
    fields >> seed;
    c.start = random_network(c.sizes, seed);
  } else if (word == "weights") {
    c.start = network_from_numbers(c.sizes, read_numbers(fields));
  } else if (word == "learning_rate") {
    fields >> c.learning_rate;
  } else if (word == "gradient_step") {
    fields >> c.gradient_step;
  } else if (word == "sample") {
    c.samples.push_back(sample_from_numbers(c.sizes, read_numbers(fields)));
  } else if (word == "test") {
    c.tests.push_back(sample_from_numbers(c.sizes, read_numbers(fields)));
  } else if (word == "epochs") {
    fields >> c.epochs;
  } else if (word == "checkpoints") {
    for (int epoch = 0; fields >> epoch;) {
      c.checkpoints.push_back(epoch);
    }
  }
}

}  // namespace detail

// Reads every case from standard input.
inline std::vector<Case> read_cases() {
  std::vector<Case> cases;
  for (const std::string& line : gradlings::harness::read_input_lines()) {
    std::istringstream fields(line);
    std::string word;
    fields >> word;
    if (word == "case") {
      cases.emplace_back();
      fields >> cases.back().id;
    } else if (!cases.empty()) {
      detail::read_field(cases.back(), word, fields);
    }
  }
  return cases;
}

}  // namespace gradlings::network_harness
