#include <fmt/format.h>

#include <algorithm>
#include <cmath>

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

Section forward_section(ReferenceChecker& grader, const StepContext& s) {
  auto v = [&](const char* name) { return s.learner.find(name); };
  Section section{fmt::format("Forward pass (x = {:.3f})", s.c.x), {}};
  std::string where = s.step_name + ", forward pass";
  const TwoLayerStep& r = s.reference;

  grader.check(section, where, "z1",
               fmt::format("{:.3f}×{} + {}", s.c.x, operand(s.params.w1), operand(s.params.b1)), "",
               v("z1"), r.z1);
  grader.check(section, where, "a1", fmt::format("sigmoid({})", three_decimals(v("z1"))), "",
               v("a1"), r.a1);
  grader.check(section, where, "z2",
               fmt::format("{}×{} + {}", three_decimals(v("a1")), operand(s.params.w2),
                           operand(s.params.b2)),
               "", v("z2"), r.z2);
  grader.check(section, where, "a2", fmt::format("sigmoid({})", three_decimals(v("z2"))),
               "prediction", v("a2"), r.a2);
  return section;
}

Section backward_section(ReferenceChecker& grader, const StepContext& s) {
  auto v = [&](const char* name) { return s.learner.find(name); };
  Section section{fmt::format("Backward pass (target = {:.3f})", s.c.target), {}};
  std::string where = s.step_name + ", backward pass";
  const TwoLayerStep& r = s.reference;

  grader.check(section, where, "loss",
               fmt::format("0.5 × ({} − {})²", three_decimals(v("a2")), operand(s.c.target)), "",
               v("loss"), r.loss);
  if (!v("dL_da2")) {
    return section;
  }
  grader.check(section, where, "dL/da2", "", "error", v("dL_da2"), r.dL_da2);
  grader.check(section, where, "da2/dz2", "", "sigmoid derivative", v("da2_dz2"), r.da2_dz2);
  grader.check(section, where, "dL/dz2",
               fmt::format("{} × {}", three_decimals(v("dL_da2")), operand(v("da2_dz2"))), "",
               v("dL_dz2"), r.dL_dz2);
  grader.check(section, where, "dL/dw2",
               fmt::format("{} × {}", three_decimals(v("dL_dz2")), operand(v("a1"))), "",
               v("dL_dw2"), r.dL_dw2);
  grader.check(section, where, "dL/db2", "", "equals dL/dz2, since dz2/db2 = 1", v("dL_db2"),
               r.dL_db2);
  grader.check(section, where, "dL/da1",
               fmt::format("{} × {}", three_decimals(v("dL_dz2")), operand(s.params.w2)), "",
               v("dL_da1"), r.dL_da1);
  grader.check(section, where, "da1/dz1", "", "sigmoid derivative", v("da1_dz1"), r.da1_dz1);
  grader.check(section, where, "dL/dz1",
               fmt::format("{} × {}", three_decimals(v("dL_da1")), operand(v("da1_dz1"))), "",
               v("dL_dz1"), r.dL_dz1);
  grader.check(section, where, "dL/dw1",
               fmt::format("{} × {}", three_decimals(v("dL_dz1")), operand(s.c.x)), "", v("dL_dw1"),
               r.dL_dw1);
  grader.check(section, where, "dL/db1", "", "equals dL/dz1, since dz1/db1 = 1", v("dL_db1"),
               r.dL_db1);
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
  std::vector<CaseTrace> traces;
  for (const CaseRecords& records : data.cases) {
    if (records.id < 0 || static_cast<std::size_t>(records.id) >= cases.size()) {
      continue;
    }
    traces.push_back(grade_case(lesson, cases[records.id], records));
  }
  return traces;
}

}  // namespace gradlings::runner
