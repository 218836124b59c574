#include <fmt/format.h>

#include <cmath>

#include "engine/descent.h"
#include "engine/gradcheck.h"
#include "runner/grader.h"
#include "runner/kinds/descent.h"
#include "runner/lesson.h"

namespace gradlings::runner {

namespace {

// The widest bar of the distance plot, in characters.
constexpr int kPlotWidth = 40;

// The textbook example this lesson follows prints its log with two decimals.
constexpr int kTableDecimals = 2;

// The place of a helper's check, as the first wrong value's summary names it.
constexpr const char* kHelpersWhere = "before training";

struct CaseContext {
  const Lesson& lesson;
  const DescentCase& c;
  const CaseRecords& records;
};

Cell checked_cell(CaseGrader& grader, const Lesson& lesson, const std::string& where,
                  const char* label, std::optional<double> actual, double expected,
                  const std::string& expected_source) {
  Check check;
  check.label = label;
  check.actual = actual;
  check.expected = expected;
  check.expected_source = expected_source;
  check.decimals = kTableDecimals;
  grader.evaluate(check, lesson.tolerance, where);
  return {"", check};
}

// The step with what the helpers returned on their own, or nullptr.
const StepValues* helper_step(const CaseContext& s) {
  for (const StepValues& step : s.records.steps) {
    if (step.step == kDescentHelperStep) {
      return &step;
    }
  }
  return nullptr;
}

// Whether the harness reported any epoch or the final weight.
bool has_training_steps(const CaseContext& s) {
  for (const StepValues& step : s.records.steps) {
    if (step.step >= 0) {
      return true;
    }
  }
  return false;
}

// Checks loss(), gradient() and update(), each called once at the case's
// start. update() got the reference's gradient there, so each is compared
// with the reference independently of the others and of train(). A value
// that a stopped case never reached is left out, because the stop is shown.
Section helpers_section(CaseGrader& grader, const CaseContext& s) {
  Section section{"Your loss(), gradient() and update() on their own, at the start weight", {}};
  engine::DescentEpoch r = engine::descent_epoch(s.c.start, s.c.target, s.c.learning_rate);
  std::string difference = three_decimals(s.c.start) + " − " + operand(s.c.target);
  std::string update_formula = fmt::format("−{:g} × {}", s.c.learning_rate, operand(r.gradient));

  struct Helper {
    const char* value_name;
    const char* label;
    std::string formula;
    std::string note;
    double expected;
  };
  std::vector<Helper> helpers = {
      {"loss", "loss(w, target)", fmt::format("({})²", difference), "", r.loss},
      {"gradient", "gradient(w, target)", fmt::format("2 × ({})", difference), "", r.gradient},
      {"update", "update(gradient, learning_rate)", update_formula, "given the right gradient",
       r.update},
  };

  const StepValues* step = helper_step(s);
  for (const Helper& helper : helpers) {
    std::optional<double> actual = step ? step->find(helper.value_name) : std::nullopt;
    if (!actual && s.records.stop) {
      continue;
    }
    Check c;
    c.label = helper.label;
    c.formula = helper.formula;
    c.expected_formula = helper.formula;
    c.note = helper.note;
    c.actual = actual;
    c.expected = helper.expected;
    grader.check(section, c, s.lesson.tolerance, kHelpersWhere);
  }
  return section;
}

// The step records that belong to epochs, in order, and the final weight.
std::vector<const StepValues*> epoch_steps(const CaseContext& s) {
  std::vector<const StepValues*> steps;
  for (const StepValues& step : s.records.steps) {
    if (step.step >= 0 && step.step < s.c.epochs && step.step == static_cast<int>(steps.size())) {
      steps.push_back(&step);
    }
  }
  return steps;
}

std::optional<double> final_weight(const CaseContext& s) {
  for (const StepValues& step : s.records.steps) {
    if (step.step == s.c.epochs) {
      return step.find("weight");
    }
  }
  return std::nullopt;
}

std::optional<double> finite(std::optional<double> value) {
  return value && std::isfinite(*value) ? value : std::nullopt;
}

// Returns the weight after `epochs` reference epochs from `weight`.
double reference_weight_after(double weight, const DescentCase& c, int epochs) {
  for (int i = 0; i < epochs; ++i) {
    weight += engine::descent_epoch(weight, c.target, c.learning_rate).update;
  }
  return weight;
}

// Compares loss, gradient and update with the reference at the weight each
// row shows, and each weight with the previous weight plus the previous update
// (the case's start in epoch 0). So a wrong update is marked once, in its row.
Section log_section(CaseGrader& grader, const CaseContext& s) {
  Section section{"Learning the weight that minimises (w − target)²", {}};
  Table table;
  table.header = {"Epoch", "Weight", "Loss", "Gradient", "Update"};

  const char* at_your_weight = "reference at your weight";
  std::string weight_source = "the case's start";
  double expected_weight = s.c.start;
  std::vector<const StepValues*> steps = epoch_steps(s);
  for (const StepValues* step : steps) {
    std::optional<double> weight = step->find("weight");
    // A missing or non-finite weight is marked ✗ in its own cell. The rest
    // of the row is then checked at the weight the row should have shown.
    double basis = finite(weight).value_or(expected_weight);
    engine::DescentEpoch r = engine::descent_epoch(basis, s.c.target, s.c.learning_rate);
    std::string where = fmt::format("epoch {}", step->step);
    table.rows.push_back({
        {std::to_string(step->step), std::nullopt},
        checked_cell(grader, s.lesson, where, "weight", weight, expected_weight, weight_source),
        checked_cell(grader, s.lesson, where, "loss", step->find("loss"), r.loss, at_your_weight),
        checked_cell(grader, s.lesson, where, "gradient", step->find("gradient"), r.gradient,
                     at_your_weight),
        checked_cell(grader, s.lesson, where, "update", step->find("update"), r.update,
                     at_your_weight),
    });

    // Without a finite update from the learner, the next weight should be
    // the one that the reference update leads to.
    std::optional<double> update = finite(step->find("update"));
    expected_weight = basis + update.value_or(r.update);
    weight_source = fmt::format(
        "{} plus {}", finite(weight) ? "your previous weight" : "the previous expected weight",
        update ? "your previous update" : "the reference update");
  }

  std::optional<double> last = final_weight(s);
  if (last) {
    // Epochs the learner did not report are continued with the reference.
    int missing = s.c.epochs - static_cast<int>(steps.size());
    double expected_final = reference_weight_after(expected_weight, s.c, missing);
    std::string final_source =
        missing == 0 ? weight_source : "reference run for the epochs you did not report";
    table.rows.push_back({{"final", std::nullopt},
                          checked_cell(grader, s.lesson, "after the last epoch", "final weight",
                                       last, expected_final, final_source),
                          {"", std::nullopt},
                          {"", std::nullopt},
                          {"", std::nullopt}});
  }
  section.lines.push_back({"", std::nullopt, table});
  if (last) {
    section.lines.push_back({fmt::format("Final weight: {:.2f} (target was {})", *last, s.c.target),
                             std::nullopt, std::nullopt});
  }
  return section;
}

// Compares the learner's gradients with central differences of the loss at
// the learner's own weights, independently of the reference.
Section gradient_check_section(CaseGrader& grader, const CaseContext& s) {
  Section section{"Gradient check (central differences at your weights)", {}};
  const GradientCheckSettings& settings = s.lesson.gradient_check;

  for (const StepValues* step : epoch_steps(s)) {
    std::optional<double> weight = step->find("weight");
    std::optional<double> gradient = step->find("gradient");
    if (!weight || !gradient || !std::isfinite(*weight)) {
      continue;
    }
    auto loss = [&](const std::vector<engine::Matrix>& p) {
      return engine::descent_loss(p[0](0, 0), s.c.target);
    };
    std::vector<engine::Matrix> numerical =
        engine::numerical_gradient(loss, {engine::Matrix::Constant(1, 1, *weight)}, settings.step);

    Check c;
    c.label = fmt::format("dL/dw at w = {:.3f}", *weight);
    c.actual = gradient;
    c.expected = numerical[0](0, 0);
    c.expected_source = "central difference";
    c.note = fmt::format("numerically {:.6f}, relative error {:.1e}", c.expected,
                         engine::relative_error(*c.actual, c.expected));
    grader.check(section, c, settings.tolerance,
                 fmt::format("epoch {}, gradient check", step->step));
  }
  return section;
}

// Says what one update does to w - target: for L = (w - t)^2 the update is
// -2 lr (w - t), so w - t is multiplied by 1 - 2 lr every epoch.
std::vector<std::string> convergence_text(double learning_rate) {
  double factor = 1 - 2 * learning_rate;
  double size = std::abs(factor);
  std::vector<std::string> lines = {
      fmt::format("A correct update adds −2 × {} × (w − target) to w,", learning_rate),
      fmt::format("so it multiplies w − target by 1 − 2 × {} = {:.3f}.", learning_rate, factor)};

  constexpr double kExact = 1e-12;
  if (size < kExact) {
    lines.push_back("So w lands on the target with the first update.");
  } else if (std::abs(size - 1) < kExact) {
    lines.push_back("So |w − target| never changes: w jumps between two points forever.");
    lines.push_back("For this loss the learning rate must stay below 1.");
  } else if (size > 1) {
    lines.push_back(fmt::format(
        "So |w − target| grows by a factor {:.3f} every epoch, and w diverges: each step "
        "overshoots the target by more than the last.",
        size));
    lines.push_back("For this loss the learning rate must stay below 1.");
  } else if (factor < 0) {
    lines.push_back(fmt::format(
        "So w lands on the other side of the target each epoch, but |w − target| shrinks by a "
        "factor {:.3f} every epoch, and w converges.",
        size));
  } else {
    lines.push_back(fmt::format(
        "So |w − target| shrinks by a factor {:.3f} every epoch, and w converges to the target.",
        size));
  }
  return lines;
}

// A bar per epoch, scaled to the largest finite distance.
std::vector<std::string> distance_plot(
    const std::vector<std::pair<std::string, std::optional<double>>>& rows) {
  double largest = 0;
  for (const auto& [label, distance] : rows) {
    if (distance && std::isfinite(*distance)) {
      largest = std::max(largest, *distance);
    }
  }

  std::vector<std::string> lines = {"|w − target| at the start of each epoch, from your weights:"};
  for (const auto& [label, distance] : rows) {
    if (!distance || !std::isfinite(*distance)) {
      lines.push_back(fmt::format("{:>5} │ (not a finite number)", label));
      continue;
    }
    int width = largest > 0 ? static_cast<int>(std::lround(*distance / largest * kPlotWidth)) : 0;
    std::string bar;
    for (int i = 0; i < width; ++i) {
      bar += "█";
    }
    lines.push_back(fmt::format("{:>5} │{} {:.3f}", label, bar, *distance));
  }
  return lines;
}

Section convergence_section(const CaseContext& s) {
  Section section{"Does w converge?", {}};
  for (const std::string& text : convergence_text(s.c.learning_rate)) {
    section.lines.push_back({text, std::nullopt, std::nullopt});
  }

  std::vector<std::pair<std::string, std::optional<double>>> rows;
  auto distance = [&](std::optional<double> weight) -> std::optional<double> {
    return weight ? std::optional<double>(std::abs(*weight - s.c.target)) : std::nullopt;
  };
  for (const StepValues* step : epoch_steps(s)) {
    rows.emplace_back(std::to_string(step->step), distance(step->find("weight")));
  }
  if (std::optional<double> last = final_weight(s)) {
    rows.emplace_back("final", distance(last));
  }
  if (!rows.empty()) {
    for (const std::string& text : distance_plot(rows)) {
      section.lines.push_back({text, std::nullopt, std::nullopt});
    }
  }
  return section;
}

CaseTrace grade_case(const Lesson& lesson, const DescentCase& c, const CaseRecords& records) {
  CaseTrace trace;
  trace.name = c.name;
  trace.hidden = c.hidden;
  trace.setup = fmt::format("w = {}, target = {}, learning rate {}, {} epoch{}", c.start, c.target,
                            c.learning_rate, c.epochs, c.epochs == 1 ? "" : "s");
  trace.stop = records.stop;

  CaseGrader grader(trace);
  CaseContext s{lesson, c, records};

  Section helpers = helpers_section(grader, s);
  if (!helpers.lines.empty()) {
    trace.sections.push_back(helpers);
  }
  if (has_training_steps(s)) {
    trace.sections.push_back(log_section(grader, s));
    trace.sections.push_back(gradient_check_section(grader, s));
    trace.sections.push_back(convergence_section(s));
  }

  // A case passes only with every epoch and the final weight reported.
  if (records.stop || epoch_steps(s).size() != static_cast<std::size_t>(c.epochs) ||
      !final_weight(s)) {
    grader.fail();
  }
  return trace;
}

}  // namespace

std::vector<CaseTrace> grade_descent(const Lesson& lesson, const std::vector<DescentCase>& cases,
                                     const ChannelData& data) {
  return grade_reported_cases(cases, data, [&](const auto& c, const CaseRecords& records) {
    return grade_case(lesson, c, records);
  });
}

}  // namespace gradlings::runner
