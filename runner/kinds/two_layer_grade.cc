#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string_view>

#include "engine/gradcheck.h"
#include "engine/two_layer.h"
#include "runner/grader.h"
#include "runner/kinds/two_layer.h"
#include "runner/lesson.h"

namespace gradlings::runner {

namespace {

using engine::TwoLayerParams;
using engine::TwoLayerStep;

// Checks values against the reference engine at the lesson's tolerance.
class ReferenceChecker {
 public:
  ReferenceChecker(const Lesson& lesson, CaseGrader& grader) : lesson_(lesson), grader_(grader) {}

  void check(Section& section, const std::string& where, Check c) {
    grader_.check(section, std::move(c), lesson_.tolerance, where);
  }

  void check(Section& section, const std::string& where, std::string label, std::string formula,
             std::string note, std::optional<double> actual, double expected) {
    Check c;
    c.label = std::move(label);
    c.formula = std::move(formula);
    c.note = std::move(note);
    c.actual = actual;
    c.expected = expected;
    check(section, where, std::move(c));
  }

  CaseGrader& grader() { return grader_; }
  const engine::Tolerance& tolerance() const { return lesson_.tolerance; }

 private:
  const Lesson& lesson_;
  CaseGrader& grader_;
};

struct StepContext {
  const TwoLayerCase& c;
  const StepValues& learner;
  const TwoLayerStep& reference;
  TwoLayerParams params;  // the learner's weights at the start of the step
  std::string step_name;
};

// Looks up a named value of a step: from the learner's records, or from the
// reference. Inputs of the step (x, target and the starting weights) are the
// same for both.
using Lookup = StepLookup;

std::optional<double> step_input(const StepContext& s, std::string_view name) {
  if (name == "x") return s.c.x;
  if (name == "target") return s.c.target;
  if (name == "w1") return s.params.w1;
  if (name == "b1") return s.params.b1;
  if (name == "w2") return s.params.w2;
  if (name == "b2") return s.params.b2;
  return std::nullopt;
}

std::optional<double> reference_value(const TwoLayerStep& r, std::string_view name) {
  const std::pair<std::string_view, double> fields[] = {
      {"z1", r.z1},         {"a1", r.a1},         {"z2", r.z2},           {"a2", r.a2},
      {"loss", r.loss},     {"dL_da2", r.dL_da2}, {"da2_dz2", r.da2_dz2}, {"dL_dz2", r.dL_dz2},
      {"dL_dw2", r.dL_dw2}, {"dL_db2", r.dL_db2}, {"dL_da1", r.dL_da1},   {"da1_dz1", r.da1_dz1},
      {"dL_dz1", r.dL_dz1}, {"dL_dw1", r.dL_dw1}, {"dL_db1", r.dL_db1}};
  for (const auto& [key, value] : fields) {
    if (key == name) {
      return value;
    }
  }
  return std::nullopt;
}

// One line of the forward or backward pass: the value's name in the records,
// its label, a note, and its formula written with a lookup's values.
struct Quantity {
  const char* name;
  const char* label;
  const char* note;
  std::string (*formula)(const Lookup& get);
};

std::string product(const Lookup& get, const char* a, const char* b) {
  return fmt::format("{} × {}", three_decimals(get(a)), operand(get(b)));
}

const Quantity kForward[] = {
    {"z1", "z1", "",
     [](const Lookup& get) {
       return fmt::format("{}×{} + {}", three_decimals(get("x")), operand(get("w1")),
                          operand(get("b1")));
     }},
    {"a1", "a1", "",
     [](const Lookup& get) { return fmt::format("sigmoid({})", three_decimals(get("z1"))); }},
    {"z2", "z2", "",
     [](const Lookup& get) {
       return fmt::format("{}×{} + {}", three_decimals(get("a1")), operand(get("w2")),
                          operand(get("b2")));
     }},
    {"a2", "a2", "prediction",
     [](const Lookup& get) { return fmt::format("sigmoid({})", three_decimals(get("z2"))); }},
};

const Quantity kBackward[] = {
    {"loss", "loss", "",
     [](const Lookup& get) {
       return fmt::format("0.5 × ({} − {})²", three_decimals(get("a2")), operand(get("target")));
     }},
    {"dL_da2", "dL/da2", "error", nullptr},
    {"da2_dz2", "da2/dz2", "sigmoid derivative", nullptr},
    {"dL_dz2", "dL/dz2", "", [](const Lookup& get) { return product(get, "dL_da2", "da2_dz2"); }},
    {"dL_dw2", "dL/dw2", "", [](const Lookup& get) { return product(get, "dL_dz2", "a1"); }},
    {"dL_db2", "dL/db2", "equals dL/dz2, since dz2/db2 = 1", nullptr},
    {"dL_da1", "dL/da1", "", [](const Lookup& get) { return product(get, "dL_dz2", "w2"); }},
    {"da1_dz1", "da1/dz1", "sigmoid derivative", nullptr},
    {"dL_dz1", "dL/dz1", "", [](const Lookup& get) { return product(get, "dL_da1", "da1_dz1"); }},
    {"dL_dw1", "dL/dw1", "", [](const Lookup& get) { return product(get, "dL_dz1", "x"); }},
    {"dL_db1", "dL/db1", "equals dL/dz1, since dz1/db1 = 1", nullptr},
};

// Checks each quantity the learner reported, in order. Each formula is shown
// twice: with the learner's values on the line itself, and with the
// reference's values beside the expected value when the line is wrong.
Lookup learner_lookup(const StepContext& s) {
  return [&s](std::string_view name) {
    std::optional<double> input = step_input(s, name);
    return input ? input : s.learner.find(name);
  };
}

template <std::size_t N>
void check_quantities(ReferenceChecker& grader, const StepContext& s,
                      const Quantity (&quantities)[N], Section& section, const std::string& where) {
  Lookup learner = learner_lookup(s);
  Lookup reference = [&](std::string_view name) {
    std::optional<double> input = step_input(s, name);
    return input ? input : reference_value(s.reference, name);
  };

  for (const Quantity& q : quantities) {
    if (!s.learner.find(q.name)) {
      return;
    }
    Check c;
    c.label = q.label;
    c.note = q.note;
    c.actual = s.learner.find(q.name);
    c.expected = *reference_value(s.reference, q.name);
    if (q.formula) {
      c.formula = q.formula(learner);
      c.expected_formula = q.formula(reference);
    }
    if (std::optional<Suspects> suspects = two_layer_suspects(q.name, learner, s.c.learning_rate)) {
      add_diagnosis(c, *suspects, grader.tolerance());
    }
    grader.check(section, where, std::move(c));
  }
}

Section forward_section(ReferenceChecker& grader, const StepContext& s) {
  Section section{fmt::format("Forward pass (x = {:.3f})", s.c.x), {}};
  check_quantities(grader, s, kForward, section, s.step_name + ", forward pass");
  return section;
}

Section backward_section(ReferenceChecker& grader, const StepContext& s) {
  Section section{fmt::format("Backward pass (target = {:.3f})", s.c.target), {}};
  check_quantities(grader, s, kBackward, section, s.step_name + ", backward pass");
  return section;
}

// Compares the learner's parameter gradients with central differences of the
// loss at the learner's own weights, independently of the reference.
Section gradient_check_section(CaseGrader& grader, const Lesson& lesson, const StepContext& s) {
  Section section{"Gradient check (central differences at your weights)", {}};
  const char* names[] = {"w1", "b1", "w2", "b2"};
  const char* gradient_names[] = {"dL_dw1", "dL_db1", "dL_dw2", "dL_db2"};

  std::vector<engine::Matrix> at;
  for (double value : {s.params.w1, s.params.b1, s.params.w2, s.params.b2}) {
    at.push_back(engine::Matrix::Constant(1, 1, value));
  }
  auto loss = [&](const std::vector<engine::Matrix>& p) {
    TwoLayerParams params{p[0](0, 0), p[1](0, 0), p[2](0, 0), p[3](0, 0)};
    return engine::two_layer_loss(params, s.c.x, s.c.target);
  };
  std::vector<engine::Matrix> numerical =
      engine::numerical_gradient(loss, at, lesson.gradient_check.step);

  for (int i = 0; i < 4; ++i) {
    Check c;
    c.label = fmt::format("dL/d{}", names[i]);
    c.actual = s.learner.find(gradient_names[i]);
    c.expected = numerical[i](0, 0);
    c.expected_source = "central difference";
    c.note = fmt::format("numerically {:.6f}", c.expected);
    if (c.actual) {
      c.note +=
          fmt::format(", relative error {:.1e}", engine::relative_error(*c.actual, c.expected));
    }
    Suspects suspects{c.expected, factor_and_sign(c.expected,
                                                  "The first wrong value of the backward "
                                                  "pass above shows where it starts")};
    add_diagnosis(c, suspects, lesson.gradient_check.tolerance, kNumericalMatch);
    grader.check(section, c, lesson.gradient_check.tolerance, s.step_name + ", gradient check");
  }
  return section;
}

Section update_section(ReferenceChecker& grader, const StepContext& s) {
  Section section{fmt::format("Weight updates (learning rate {})", s.c.learning_rate), {}};
  std::string where = s.step_name + ", weight updates";
  const TwoLayerStep& r = s.reference;
  const double old_values[] = {s.params.w1, s.params.b1, s.params.w2, s.params.b2};
  const double expected[] = {r.updated.w1, r.updated.b1, r.updated.w2, r.updated.b2};
  const char* names[] = {"w1", "b1", "w2", "b2"};

  for (int i = 0; i < 4; ++i) {
    Check c;
    c.style = Check::Style::update;
    c.label = names[i];
    c.formula = fmt::format("{:.3f}", old_values[i]);
    c.actual = s.learner.find(fmt::format("new_{}", names[i]));
    c.expected = expected[i];
    if (c.actual) {
      c.note = fmt::format("change {:+.5f}", *c.actual - old_values[i]);
    }
    std::optional<Suspects> suspects =
        two_layer_update_suspects(names[i], learner_lookup(s), s.c.learning_rate);
    if (suspects) {
      add_diagnosis(c, *suspects, grader.tolerance());
    }
    grader.check(section, where, c);
  }
  return section;
}

Section results_section(const StepContext& s) {
  Section section{fmt::format("Step {} result", s.learner.step), {}};
  std::optional<double> a2 = s.learner.find("a2");
  std::optional<double> loss = s.learner.find("loss");
  if (a2 && loss) {
    section.lines.push_back(
        {fmt::format("prediction {:.3f}, target {:.3f}, loss {:.3f}, error {:.3f}", *a2, s.c.target,
                     *loss, std::abs(*a2 - s.c.target)),
         std::nullopt, std::nullopt});
  }
  return section;
}

// The learner's weights at the start of each step: the case's own for the
// first, then whatever the learner's update returned.
TwoLayerParams next_params(const TwoLayerParams& current, const StepValues& learner) {
  TwoLayerParams next = current;
  next.w1 = learner.find("new_w1").value_or(current.w1);
  next.b1 = learner.find("new_b1").value_or(current.b1);
  next.w2 = learner.find("new_w2").value_or(current.w2);
  next.b2 = learner.find("new_b2").value_or(current.b2);
  return next;
}

CaseTrace grade_case(const Lesson& lesson, const TwoLayerCase& c, const CaseRecords& records) {
  CaseTrace trace;
  trace.name = c.name;
  trace.hidden = c.hidden;
  trace.setup = fmt::format(
      "x = {:.4g}, target = {:.4g}, w1 = {:.4g}, b1 = {:.4g}, w2 = {:.4g}, "
      "b2 = {:.4g}, {} step{}",
      c.x, c.target, c.params.w1, c.params.b1, c.params.w2, c.params.b2, c.steps,
      c.steps == 1 ? "" : "s");
  trace.stop = records.stop;
  if (records.stop) {
    trace.passed = false;
  }

  CaseGrader grader(trace);
  ReferenceChecker checker(lesson, grader);
  TwoLayerParams params = c.params;

  // Each step is compared with the reference run from the learner's own
  // weights at its start. A wrong update is marked once, in its own step,
  // instead of making every later value wrong.
  std::size_t steps = std::min(records.steps.size(), static_cast<std::size_t>(c.steps));
  for (std::size_t i = 0; i < steps; ++i) {
    const StepValues& learner = records.steps[i];
    TwoLayerStep reference = engine::two_layer_step(params, c.x, c.target, c.learning_rate);
    StepContext s{c, learner, reference, params, fmt::format("step {}", learner.step)};
    trace.sections.push_back({fmt::format("Training step {}", learner.step), {}});
    if (learner.find("z1")) {
      trace.sections.push_back(forward_section(checker, s));
    }

    if (learner.find("loss")) {
      trace.sections.push_back(backward_section(checker, s));
    }
    if (learner.find("dL_dw1")) {
      trace.sections.push_back(gradient_check_section(grader, lesson, s));
    }
    if (learner.find("new_w1")) {
      trace.sections.push_back(update_section(checker, s));
    }
    if (learner.find("new_w1")) {
      trace.sections.push_back(results_section(s));
    }
    params = next_params(params, learner);
  }

  if (records.steps.size() < static_cast<std::size_t>(c.steps) && !records.stop) {
    trace.passed = false;
  }
  return trace;
}

}  // namespace

std::vector<CaseTrace> grade_two_layer(const Lesson& lesson, const std::vector<TwoLayerCase>& cases,
                                       const ChannelData& data) {
  return grade_reported_cases(cases, data, [&](const auto& c, const CaseRecords& records) {
    return grade_case(lesson, c, records);
  });
}

}  // namespace gradlings::runner
