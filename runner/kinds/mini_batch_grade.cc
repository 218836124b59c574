#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/gradcheck.h"
#include "engine/mini_batch.h"
#include "runner/grader.h"
#include "runner/kinds/mini_batch.h"
#include "runner/lesson.h"

namespace gradlings::runner {

namespace {

using engine::Matrix;
using engine::MiniBatchParams;
using engine::MiniBatchStep;

// Returns the name of entry (r, c) of the matrix `name` in the records. A
// bias and its gradient are rows in the engine but lists in the learner's
// code, so they are named NAME[j].
std::string entry_name(const std::string& name, Eigen::Index r, Eigen::Index c) {
  bool bias = name == "b1" || name == "b2" || name == "db1" || name == "db2" ||
              name == "new_b1" || name == "new_b2";
  return bias ? fmt::format("{}[{}]", name, c) : fmt::format("{}[{}][{}]", name, r, c);
}

// Reads the learner's matrix NAME, shaped like `shape`, NaN where missing.
Matrix learner_matrix(const StepValues& learner, const std::string& name, const Matrix& shape) {
  Matrix m(shape.rows(), shape.cols());
  for (Eigen::Index r = 0; r < m.rows(); ++r) {
    for (Eigen::Index c = 0; c < m.cols(); ++c) {
      m(r, c) = learner.find(entry_name(name, r, c))
                    .value_or(std::numeric_limits<double>::quiet_NaN());
    }
  }
  return m;
}

BatchValues learner_values(const MiniBatchCase& c, const MiniBatchParams& params,
                           const StepValues& learner, const MiniBatchStep& reference) {
  BatchValues v;
  v.X = c.X;
  v.T = c.T;
  v.params = params;
  v.Z1 = learner_matrix(learner, "Z1", reference.Z1);
  v.H = learner_matrix(learner, "H", reference.H);
  v.Y = learner_matrix(learner, "Y", reference.Y);
  v.loss = learner.find("loss").value_or(std::numeric_limits<double>::quiet_NaN());
  v.dY = learner_matrix(learner, "dY", reference.dY);
  v.dW2 = learner_matrix(learner, "dW2", reference.dW2);
  v.db2 = learner_matrix(learner, "db2", reference.db2);
  v.dH = learner_matrix(learner, "dH", reference.dH);
  v.dZ1 = learner_matrix(learner, "dZ1", reference.dZ1);
  v.dW1 = learner_matrix(learner, "dW1", reference.dW1);
  v.db1 = learner_matrix(learner, "db1", reference.db1);
  return v;
}

MiniBatchParams learner_update(const StepValues& learner, const MiniBatchParams& shape) {
  return {learner_matrix(learner, "new_W1", shape.W1), learner_matrix(learner, "new_b1", shape.b1),
          learner_matrix(learner, "new_W2", shape.W2), learner_matrix(learner, "new_b2", shape.b2)};
}

struct StepContext {
  const Lesson& lesson;
  const MiniBatchCase& c;
  const StepValues& learner;
  const MiniBatchStep& reference;
  const BatchValues& values;
  std::string step_name;
};

// Checks every entry of the learner's matrix `name` against `expected`, in
// row order, and returns false when the learner reported none of them.
bool check_matrix(CaseGrader& grader, const StepContext& s, Section& section,
                  const std::string& where, const std::string& name, const Matrix& expected,
                  const std::string& note = "") {
  if (!s.learner.find(entry_name(name, 0, 0))) {
    return false;
  }
  for (Eigen::Index r = 0; r < expected.rows(); ++r) {
    for (Eigen::Index c = 0; c < expected.cols(); ++c) {
      Check check;
      check.label = entry_name(name, r, c);
      check.note = r == 0 && c == 0 ? note : "";
      check.actual = s.learner.find(check.label);
      check.expected = expected(r, c);
      if (std::optional<Suspects> suspects = mini_batch_suspects(name, r, c, s.values)) {
        add_diagnosis(check, *suspects, s.lesson.tolerance);
      }
      grader.check(section, std::move(check), s.lesson.tolerance, where);
    }
  }
  return true;
}

Section forward_section(CaseGrader& grader, const StepContext& s) {
  Section section{fmt::format("Forward pass (batch of {})", s.c.X.rows()), {}};
  std::string where = s.step_name + ", forward pass";
  check_matrix(grader, s, section, where, "Z1", s.reference.Z1, "X W1ᵀ + b1 in every row") &&
      check_matrix(grader, s, section, where, "H", s.reference.H, "sigmoid(Z1)") &&
      check_matrix(grader, s, section, where, "Y", s.reference.Y, "H W2ᵀ + b2, the predictions");
  return section;
}

Section backward_section(CaseGrader& grader, const StepContext& s) {
  Section section{"Backward pass", {}};
  std::string where = s.step_name + ", backward pass";
  const MiniBatchStep& r = s.reference;
  check_matrix(grader, s, section, where, "dY", r.dY, "(Y − T) / B") &&
      check_matrix(grader, s, section, where, "dW2", r.dW2, "dYᵀ H") &&
      check_matrix(grader, s, section, where, "db2", r.db2, "the sum of the rows of dY") &&
      check_matrix(grader, s, section, where, "dH", r.dH, "dY W2") &&
      check_matrix(grader, s, section, where, "dZ1", r.dZ1, "dH ∘ H ∘ (1 − H)") &&
      check_matrix(grader, s, section, where, "dW1", r.dW1, "dZ1ᵀ X") &&
      check_matrix(grader, s, section, where, "db1", r.db1, "the sum of the rows of dZ1");
  return section;
}

// Compares the learner's parameter gradients with central differences of the
// lesson's loss at the learner's own weights, independently of the reference.
Section gradient_check_section(CaseGrader& grader, const StepContext& s) {
  Section section{"Gradient check (central differences at your weights)", {}};
  const MiniBatchParams& p = s.values.params;
  auto loss = [&](const std::vector<Matrix>& at) {
    return engine::mini_batch_loss({at[0], at[1], at[2], at[3]}, s.c.X, s.c.T);
  };
  std::vector<Matrix> numerical =
      engine::numerical_gradient(loss, {p.W1, p.b1, p.W2, p.b2}, s.lesson.gradient_check.step);
  const char* names[] = {"dW1", "db1", "dW2", "db2"};

  for (std::size_t k = 0; k < 4; ++k) {
    for (Eigen::Index r = 0; r < numerical[k].rows(); ++r) {
      for (Eigen::Index c = 0; c < numerical[k].cols(); ++c) {
        Check check;
        check.label = entry_name(names[k], r, c);
        check.actual = s.learner.find(check.label);
        check.expected = numerical[k](r, c);
        check.expected_source = "central difference";
        check.note = fmt::format("numerically {:.6f}", check.expected);
        if (check.actual) {
          check.note += fmt::format(", relative error {:.1e}",
                                    engine::relative_error(*check.actual, check.expected));
        }
        Suspects suspects{check.expected,
                          factor_and_sign(check.expected,
                                          "The first wrong value of the backward pass above "
                                          "shows where it starts")};
        add_diagnosis(check, suspects, s.lesson.gradient_check.tolerance, kNumericalMatch);
        grader.check(section, std::move(check), s.lesson.gradient_check.tolerance,
                     s.step_name + ", gradient check");
      }
    }
  }
  return section;
}

Section update_section(CaseGrader& grader, const StepContext& s) {
  Section section{fmt::format("Weight updates (learning rate {})", s.c.learning_rate), {}};
  std::string where = s.step_name + ", weight updates";
  const MiniBatchParams& old = s.values.params;
  const MiniBatchParams& expected = s.reference.updated;
  const std::pair<const char*, std::pair<const Matrix*, const Matrix*>> parts[] = {
      {"W1", {&old.W1, &expected.W1}},
      {"b1", {&old.b1, &expected.b1}},
      {"W2", {&old.W2, &expected.W2}},
      {"b2", {&old.b2, &expected.b2}}};
  const Matrix* gradients[] = {&s.values.dW1, &s.values.db1, &s.values.dW2, &s.values.db2};

  for (std::size_t k = 0; k < 4; ++k) {
    const auto& [name, matrices] = parts[k];
    for (Eigen::Index r = 0; r < matrices.first->rows(); ++r) {
      for (Eigen::Index c = 0; c < matrices.first->cols(); ++c) {
        double before = (*matrices.first)(r, c);
        Check check;
        check.style = Check::Style::update;
        check.label = entry_name(name, r, c);
        check.formula = fmt::format("{:.3f}", before);
        check.actual = s.learner.find("new_" + check.label);
        check.expected = (*matrices.second)(r, c);
        if (check.actual) {
          check.note = fmt::format("change {:+.5f}", *check.actual - before);
        }
        double step = s.c.learning_rate * (*gradients[k])(r, c);
        Suspects suspects{before - step,
                          {{Mistake::flipped_sign, before + step,
                            fmt::format("The update goes uphill. Step against the gradient: {0} − "
                                        "learning_rate × d{0}",
                                        name)}}};
        add_diagnosis(check, suspects, s.lesson.tolerance);
        grader.check(section, std::move(check), s.lesson.tolerance, where);
      }
    }
  }
  return section;
}

bool has_failure(const std::vector<Section>& sections) {
  for (const Section& section : sections) {
    for (const TraceLine& line : section.lines) {
      if (line.check && !line.check->passed) {
        return true;
      }
    }
  }
  return false;
}

// Grades one step and returns its sections. The loss goes into `row`, the
// step's row of the training table.
std::vector<Section> grade_step(CaseGrader& grader, const StepContext& s, std::vector<Cell>& row) {
  std::vector<Section> sections;
  sections.push_back({fmt::format("Training step {}", s.learner.step), {}});
  if (s.learner.find("Z1[0][0]")) {
    sections.push_back(forward_section(grader, s));
  }

  if (std::optional<double> loss = s.learner.find("loss")) {
    Check check;
    check.label = "loss";
    check.actual = loss;
    check.expected = s.reference.loss;
    check.decimals = 6;
    if (std::optional<Suspects> suspects = mini_batch_suspects("loss", 0, 0, s.values)) {
      add_diagnosis(check, *suspects, s.lesson.tolerance);
    }
    grader.evaluate(check, s.lesson.tolerance, s.step_name + ", loss");
    row.push_back({"", check});
  }
  if (s.learner.find("dY[0][0]")) {
    sections.push_back(backward_section(grader, s));
  }
  if (s.learner.find("dW1[0][0]")) {
    sections.push_back(gradient_check_section(grader, s));
  }
  if (s.learner.find("new_W1[0][0]")) {
    sections.push_back(update_section(grader, s));
  }
  return sections;
}

CaseTrace grade_case(const Lesson& lesson, const MiniBatchCase& c, const CaseRecords& records) {
  CaseTrace trace;
  trace.name = c.name;
  trace.hidden = c.hidden;
  trace.setup = fmt::format("batch of {}, {} inputs, {} hidden units, {} output{}, {} step{}",
                            c.X.rows(), c.X.cols(), c.params.W1.rows(), c.params.W2.rows(),
                            c.params.W2.rows() == 1 ? "" : "s", c.steps, c.steps == 1 ? "" : "s");
  trace.stop = records.stop;
  if (records.stop) {
    trace.passed = false;
  }

  CaseGrader grader(trace);
  Table losses{{"Step", "Loss"}, {}};
  MiniBatchParams params = c.params;

  // Each step is compared with the reference run from the learner's own
  // weights at its start, so a wrong update is marked once, in its own step.
  // Step 1 is always shown in full, a later step only when a value in it is
  // wrong, and the loss of every step goes into the table.
  std::size_t steps = std::min(records.steps.size(), static_cast<std::size_t>(c.steps));
  for (std::size_t i = 0; i < steps; ++i) {
    const StepValues& learner = records.steps[i];
    MiniBatchStep reference = engine::mini_batch_step(params, c.X, c.T, c.learning_rate);
    BatchValues values = learner_values(c, params, learner, reference);
    StepContext s{lesson, c, learner, reference, values, fmt::format("step {}", learner.step)};

    std::vector<Cell> row = {{std::to_string(learner.step), std::nullopt}};
    std::vector<Section> sections = grade_step(grader, s, row);
    if (i == 0 || has_failure(sections)) {
      trace.sections.insert(trace.sections.end(), sections.begin(), sections.end());
    }
    if (row.size() > 1) {
      losses.rows.push_back(row);
    }

    // The next step starts from the learner's update. An entry that the
    // update did not report keeps its value.
    MiniBatchParams next = learner_update(learner, params);
    for (auto [to, from] : {std::pair{&next.W1, &params.W1}, {&next.b1, &params.b1},
                            {&next.W2, &params.W2}, {&next.b2, &params.b2}}) {
      *to = to->array().isNaN().select(*from, *to);
    }
    params = next;
  }

  if (!losses.rows.empty()) {
    trace.sections.push_back(
        {"Training (the loss of each step, from your weights at its start)", {{"", {}, losses}}});
  }
  if (records.steps.size() < static_cast<std::size_t>(c.steps) && !records.stop) {
    trace.passed = false;
  }
  return trace;
}

}  // namespace

std::vector<CaseTrace> grade_mini_batch(const Lesson& lesson,
                                        const std::vector<MiniBatchCase>& cases,
                                        const ChannelData& data) {
  return grade_reported_cases(cases, data, [&](const auto& c, const CaseRecords& records) {
    return grade_case(lesson, c, records);
  });
}

}  // namespace gradlings::runner
