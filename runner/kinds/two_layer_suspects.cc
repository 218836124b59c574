// The typical mistakes of the two-layer network, value by value. Each right
// value is computed from the learner's own inputs of it, so only the value
// where a mistake is made gets a diagnosis, not the values computed from it.
#include <fmt/format.h>

#include <cmath>
#include <map>

#include "runner/kinds/two_layer.h"

namespace gradlings::runner {

namespace {

double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

double sigmoid_slope(double a) { return a * (1.0 - a); }

// The derivative of a sigmoid unit with output `a` and input `z`, with the
// two ways of taking it at the wrong point.
void add_derivative_suspects(Suspects& s, double factor, double a, double z, const char* unit_a,
                             const char* unit_z) {
  s.list.push_back({Mistake::derivative_at_z, factor * sigmoid_slope(z),
                    fmt::format("It is {0} × (1 − {0}), written with the output {0}, not with {1}",
                                unit_a, unit_z)});
  s.list.push_back({Mistake::derivative_at_a, factor * sigmoid_slope(sigmoid(a)),
                    fmt::format("{0} is already sigmoid({1}), so its derivative is {0} × (1 − {0})",
                                unit_a, unit_z)});
}

std::string check_factors(const char* rule) { return fmt::format("Check each factor of {}", rule); }

}  // namespace

std::optional<Suspects> two_layer_suspects(std::string_view name, const StepLookup& get,
                                           double learning_rate) {
  // Every value that any rule below reads; a missing one ends the diagnosis.
  const char* inputs[] = {"x",      "target",  "w1",     "w2",      "z1",     "a1",
                          "z2",     "a2",      "dL_da2", "da2_dz2", "dL_dz2", "dL_dw2",
                          "dL_da1", "da1_dz1", "dL_dz1", "dL_dw1",  "dL_db1", "dL_db2"};
  std::map<std::string_view, double> v;
  for (const char* input : inputs) {
    std::optional<double> value = get(input);
    if (value) {
      v[input] = *value;
    }
  }
  auto has = [&](std::initializer_list<std::string_view> names) {
    for (std::string_view n : names) {
      if (!v.count(n)) return false;
    }
    return true;
  };

  Suspects s;
  if (name == "loss" && has({"a2", "target"})) {
    double error = v["a2"] - v["target"];
    s.right = 0.5 * error * error;
    s.list = factor_and_sign(s.right, "The loss is 0.5 × (a2 − target)². Is the 0.5 missing?");
    return s;
  }
  if (name == "dL_da2" && has({"a2", "target"})) {
    s.right = v["a2"] - v["target"];
    s.list = {{Mistake::doubled, 2 * s.right,
               "The 0.5 of the loss cancels the 2 of the square, so dL/da2 = a2 − target"},
              {Mistake::halved, s.right / 2, "dL/da2 = a2 − target, with no factor 0.5"},
              {Mistake::flipped_sign, -s.right, "dL/da2 = a2 − target, not target − a2"}};
    return s;
  }
  if ((name == "da2_dz2" && has({"a2", "z2"})) || (name == "da1_dz1" && has({"a1", "z1"}))) {
    bool output = name == "da2_dz2";
    const char* a = output ? "a2" : "a1";
    const char* z = output ? "z2" : "z1";
    s.right = sigmoid_slope(v[a]);
    s.list =
        factor_and_sign(s.right, fmt::format("The sigmoid's derivative is {0} × (1 − {0})", a));
    add_derivative_suspects(s, 1.0, v[a], v[z], a, z);
    return s;
  }
  if (name == "dL_dz2" && has({"dL_da2", "da2_dz2", "a2", "z2"})) {
    s.right = v["dL_da2"] * v["da2_dz2"];
    s.list = factor_and_sign(s.right, check_factors("dL/dz2 = dL/da2 × da2/dz2"));
    s.list.push_back({Mistake::missing_derivative, v["dL_da2"],
                      "dL/dz2 = dL/da2 × da2/dz2, so multiply by the sigmoid's derivative"});
    add_derivative_suspects(s, v["dL_da2"], v["a2"], v["z2"], "a2", "z2");
    return s;
  }
  if ((name == "dL_dw2" || name == "dL_db2") && has({"dL_dz2", "dL_da2", "a1"})) {
    bool weight = name == "dL_dw2";
    double input = weight ? v["a1"] : 1.0;
    const char* rule = weight ? "dL/dw2 = dL/dz2 × a1" : "dL/db2 = dL/dz2";
    s.right = v["dL_dz2"] * input;
    s.list = factor_and_sign(s.right, check_factors(rule));
    s.list.push_back({Mistake::missing_derivative, v["dL_da2"] * input,
                      fmt::format("{} uses dL/dz2, not dL/da2", weight ? "dL/dw2" : "dL/db2")});
    return s;
  }

  // The hidden layer. Each rule also has the value it would take with w2
  // already updated, the mistake of updating a layer as soon as its
  // gradient is known.
  if (!has({"dL_dz2", "dL_da2", "dL_dw2", "w2", "da1_dz1", "a1", "z1", "x"})) {
    return std::nullopt;
  }
  double early_w2 = v["w2"] - learning_rate * v["dL_dw2"];
  std::string early_advice =
      "It uses w2 after the update. Compute every gradient from the weights the step started "
      "with, and change them only in update()";
  double early_dz1 = v["dL_dz2"] * early_w2 * v["da1_dz1"];
  if (name == "dL_da1") {
    s.right = v["dL_dz2"] * v["w2"];
    s.list = factor_and_sign(s.right, check_factors("dL/da1 = dL/dz2 × w2"));
    s.list.push_back({Mistake::missing_derivative, v["dL_da2"] * v["w2"],
                      "dL/da1 = dL/dz2 × w2 uses dL/dz2, not dL/da2"});
    s.list.push_back({Mistake::updated_too_early, v["dL_dz2"] * early_w2, early_advice});
    return s;
  }
  if (name == "dL_dz1" && has({"dL_da1"})) {
    s.right = v["dL_da1"] * v["da1_dz1"];
    s.list = factor_and_sign(s.right, check_factors("dL/dz1 = dL/da1 × da1/dz1"));
    s.list.push_back({Mistake::missing_derivative, v["dL_da1"],
                      "dL/dz1 = dL/da1 × da1/dz1, so multiply by the sigmoid's derivative"});
    add_derivative_suspects(s, v["dL_da1"], v["a1"], v["z1"], "a1", "z1");
    s.list.push_back({Mistake::updated_too_early, early_dz1, early_advice});
    return s;
  }
  if ((name == "dL_dw1" || name == "dL_db1") && has({"dL_dz1", "dL_da1"})) {
    bool weight = name == "dL_dw1";
    double input = weight ? v["x"] : 1.0;
    const char* rule = weight ? "dL/dw1 = dL/dz1 × x" : "dL/db1 = dL/dz1";
    s.right = v["dL_dz1"] * input;
    s.list = factor_and_sign(s.right, check_factors(rule));
    s.list.push_back({Mistake::missing_derivative, v["dL_da1"] * input,
                      fmt::format("{} uses dL/dz1, not dL/da1", weight ? "dL/dw1" : "dL/db1")});
    s.list.push_back({Mistake::updated_too_early, early_dz1 * input, early_advice});
    return s;
  }
  return std::nullopt;
}

std::optional<Suspects> two_layer_update_suspects(std::string_view parameter, const StepLookup& get,
                                                  double learning_rate) {
  std::string gradient_name = fmt::format("dL_d{}", parameter);
  std::optional<double> old_value = get(parameter);
  std::optional<double> gradient = get(gradient_name);
  if (!old_value || !gradient) {
    return std::nullopt;
  }
  Suspects s;
  s.right = *old_value - learning_rate * *gradient;
  s.list.push_back({Mistake::flipped_sign, *old_value + learning_rate * *gradient,
                    fmt::format("The update goes uphill. Step against the gradient: {0} − "
                                "learning_rate × dL/d{0}",
                                parameter)});
  return s;
}

}  // namespace gradlings::runner
