// The typical mistakes of the network lessons, value by value. Each right
// value is computed from the learner's own forward pass and the learner's
// delta of the layer above. So only the value where a mistake is made gets a
// diagnosis, not the values computed from it.
#include <fmt/format.h>

#include <cmath>
#include <cstdlib>

#include "runner/kinds/network.h"

namespace gradlings::runner {

namespace {

// A label such as "delta[1][0]", split into "delta" and {1, 0}.
struct Label {
  std::string name;
  std::vector<std::size_t> index;
};

std::optional<Label> parse_label(const std::string& text) {
  Label label;
  std::size_t at = text.find('[');
  label.name = text.substr(0, at);
  while (at != std::string::npos && at < text.size()) {
    std::size_t close = text.find(']', at);
    if (text[at] != '[' || close == std::string::npos || close == at + 1) {
      return std::nullopt;
    }
    char* end = nullptr;
    unsigned long value = std::strtoul(text.c_str() + at + 1, &end, 10);
    if (end != text.c_str() + close) {
      return std::nullopt;
    }
    label.index.push_back(value);
    at = close + 1 < text.size() ? close + 1 : std::string::npos;
  }
  return label;
}

double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

double sigmoid_slope(double a) { return a * (1.0 - a); }

std::string unit_name(const std::string& name, std::size_t l, std::size_t j) {
  return fmt::format("{}[{}][{}]", name, l, j);
}

// The learner's values of one sample's pass that the rules below read.
class PassValues {
 public:
  PassValues(const StepValues& learner, const NetworkPoint& point)
      : learner_(learner), point_(point) {}

  std::optional<double> get(const std::string& name, std::size_t l, std::size_t j) const {
    return learner_.find(unit_name(name, l, j));
  }

  // The input of layer l: the sample's x for layer 0, else the layer below's a.
  std::optional<double> input(std::size_t l, std::size_t i) const {
    if (l == 0) {
      return i < point_.x.size() ? std::optional<double>(point_.x[i]) : std::nullopt;
    }
    return get("a", l - 1, i);
  }

 private:
  const StepValues& learner_;
  const NetworkPoint& point_;
};

// The sigmoid-derivative suspects of a unit whose delta is `upstream` times
// its sigmoid's derivative.
void add_derivative_suspects(Suspects& s, double upstream, double a, double z) {
  s.list.push_back({Mistake::missing_derivative, upstream,
                    "delta = dL/dz, so multiply by the sigmoid's derivative a × (1 − a)"});
  s.list.push_back({Mistake::derivative_at_z, upstream * sigmoid_slope(z),
                    "It is a × (1 − a), written with the unit's output a, not with z"});
  s.list.push_back({Mistake::derivative_at_a, upstream * sigmoid_slope(sigmoid(a)),
                    "a is already sigmoid(z), so the derivative is a × (1 − a)"});
}

std::optional<Suspects> output_delta_suspects(const PassValues& pass, const NetworkPoint& point,
                                              std::size_t l, std::size_t j) {
  std::optional<double> a = pass.get("a", l, j);
  std::optional<double> z = pass.get("z", l, j);
  if (!a || !z || j >= point.target.size()) {
    return std::nullopt;
  }
  double error = *a - point.target[j];
  Suspects s;
  s.right = error * sigmoid_slope(*a);
  s.list = {{Mistake::doubled, 2 * s.right,
             "The 0.5 of the loss cancels the 2 of the square, so delta starts from a − target"},
            {Mistake::halved, s.right / 2, "delta = (a − target) × a × (1 − a), with no 0.5"},
            {Mistake::flipped_sign, -s.right,
             "delta = (a − target) × a × (1 − a), not (target − a) × a × (1 − a)"}};
  add_derivative_suspects(s, error, *a, *z);
  return s;
}

// The delta of unit i in a hidden layer l, from the delta of layer l + 1.
std::optional<Suspects> hidden_delta_suspects(const PassValues& pass,
                                              const engine::NetworkParams& start, std::size_t l,
                                              std::size_t i) {
  const engine::Matrix& W = start[l + 1].W;
  std::optional<double> a = pass.get("a", l, i);
  std::optional<double> z = pass.get("z", l, i);
  if (!a || !z || static_cast<Eigen::Index>(i) >= W.cols()) {
    return std::nullopt;
  }
  double sum = 0;
  double transposed_sum = 0;
  bool square = W.rows() == W.cols();
  for (Eigen::Index j = 0; j < W.rows(); ++j) {
    std::optional<double> delta = pass.get("delta", l + 1, static_cast<std::size_t>(j));
    if (!delta) {
      return std::nullopt;
    }
    sum += W(j, static_cast<Eigen::Index>(i)) * *delta;
    if (square) {
      transposed_sum += W(static_cast<Eigen::Index>(i), j) * *delta;
    }
  }

  Suspects s;
  s.right = sum * sigmoid_slope(*a);
  s.list = factor_and_sign(s.right,
                           "Check each factor of delta_below[i] = (sum over j of W[j][i] × "
                           "delta[j]) × a_below[i] × (1 − a_below[i])");
  add_derivative_suspects(s, sum, *a, *z);
  if (square) {
    s.list.push_back({Mistake::transposed, transposed_sum * sigmoid_slope(*a),
                      "On the way back W acts as its transpose, so input i sums W[j][i] × "
                      "delta[j] over the units j above it, not W[i][j]"});
  }
  return s;
}

std::optional<Suspects> bias_gradient_suspects(const PassValues& pass, const NetworkPoint& point,
                                               std::size_t l, std::size_t j, bool output) {
  std::optional<double> delta = pass.get("delta", l, j);
  if (!delta) {
    return std::nullopt;
  }
  Suspects s;
  s.right = *delta;
  s.list = factor_and_sign(s.right, "db[j] = delta[j]");
  std::optional<double> a = pass.get("a", l, j);
  if (output && a && j < point.target.size()) {
    s.list.push_back({Mistake::missing_derivative, *a - point.target[j],
                      "db[j] = delta[j], and delta includes the sigmoid's derivative"});
  }
  return s;
}

std::optional<Suspects> weight_gradient_suspects(const PassValues& pass, std::size_t l,
                                                 std::size_t j, std::size_t i, bool square) {
  std::optional<double> delta = pass.get("delta", l, j);
  std::optional<double> input = pass.input(l, i);
  if (!delta || !input) {
    return std::nullopt;
  }
  Suspects s;
  s.right = *delta * *input;
  s.list = factor_and_sign(s.right, "dW[j][i] = delta[j] × in[i]");
  std::optional<double> delta_i = pass.get("delta", l, i);
  std::optional<double> input_j = pass.input(l, j);
  if (square && delta_i && input_j) {
    s.list.push_back({Mistake::transposed, *delta_i * *input_j,
                      "dW has the shape of W, so row j belongs to unit j: dW[j][i] = delta[j] × "
                      "in[i]"});
  }
  return s;
}

}  // namespace

std::optional<Suspects> network_suspects(const std::string& label, const StepValues& learner,
                                         const engine::NetworkParams& start,
                                         const NetworkPoint& point) {
  std::optional<Label> parsed = parse_label(label);
  if (start.empty()) {
    return std::nullopt;
  }
  PassValues pass(learner, point);
  std::size_t last = start.size() - 1;

  if (label == "loss") {
    Suspects s;
    for (std::size_t j = 0; j < point.target.size(); ++j) {
      std::optional<double> a = pass.get("a", last, j);
      if (!a) {
        return std::nullopt;
      }
      s.right += 0.5 * (*a - point.target[j]) * (*a - point.target[j]);
    }
    s.list =
        factor_and_sign(s.right, "The loss is 0.5 × the sum of (a − target)². Is the 0.5 missing?");
    return s;
  }
  if (!parsed || parsed->index.empty() || parsed->index[0] > last) {
    return std::nullopt;
  }

  std::size_t l = parsed->index[0];
  const std::vector<std::size_t>& at = parsed->index;
  if (parsed->name == "delta" && at.size() == 2) {
    return l == last ? output_delta_suspects(pass, point, l, at[1])
                     : hidden_delta_suspects(pass, start, l, at[1]);
  }
  if (parsed->name == "db" && at.size() == 2) {
    return bias_gradient_suspects(pass, point, l, at[1], l == last);
  }
  if (parsed->name == "dW" && at.size() == 3) {
    return weight_gradient_suspects(pass, l, at[1], at[2], start[l].W.rows() == start[l].W.cols());
  }
  return std::nullopt;
}

std::optional<Suspects> network_update_suspects(const std::string& label, const StepValues& learner,
                                                const engine::NetworkParams& start,
                                                double learning_rate) {
  std::optional<Label> parsed = parse_label(label);
  if (!parsed || parsed->index.empty() || parsed->index[0] >= start.size()) {
    return std::nullopt;
  }
  const std::vector<std::size_t>& at = parsed->index;
  const engine::DenseLayer& layer = start[at[0]];
  std::optional<double> old_value;
  std::optional<double> gradient;
  if (parsed->name == "W" && at.size() == 3 && static_cast<Eigen::Index>(at[1]) < layer.W.rows() &&
      static_cast<Eigen::Index>(at[2]) < layer.W.cols()) {
    old_value = layer.W(static_cast<Eigen::Index>(at[1]), static_cast<Eigen::Index>(at[2]));
    gradient = learner.find("d" + label);
  } else if (parsed->name == "b" && at.size() == 2 &&
             static_cast<Eigen::Index>(at[1]) < layer.b.rows()) {
    old_value = layer.b(static_cast<Eigen::Index>(at[1]), 0);
    gradient = learner.find("d" + label);
  }
  if (!old_value || !gradient) {
    return std::nullopt;
  }
  Suspects s;
  s.right = *old_value - learning_rate * *gradient;
  s.list.push_back({Mistake::flipped_sign, *old_value + learning_rate * *gradient,
                    "The update goes uphill. Step against the gradient: the weight minus "
                    "learning_rate × its gradient"});
  return s;
}

Suspects network_gradient_check_suspects(double numerical) {
  return {numerical,
          factor_and_sign(numerical,
                          "The check differentiates your own loss, so your loss and your "
                          "backward disagree. Compare the loss with where backward starts")};
}

}  // namespace gradlings::runner
