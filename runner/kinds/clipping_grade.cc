#include <fmt/format.h>

#include <cmath>
#include <numbers>

#include "engine/clipping.h"
#include "engine/gradcheck.h"
#include "runner/grader.h"
#include "runner/kinds/clipping.h"
#include "runner/lesson.h"

namespace gradlings::runner {

namespace {

constexpr int kVectorDecimals = 3;
// Enough to tell 1.000000 (direction kept) from a value just under 1.
constexpr int kCosineDecimals = 6;

struct CaseContext {
  const Lesson& lesson;
  const ClippingCase& c;
  const engine::ClippingReference& reference;
  const StepValues& learner;
};

// Returns the learner's values NAME_1 ... NAME_N, or nullopt unless all are there.
std::optional<std::vector<double>> learner_vector(const CaseContext& s, const std::string& name) {
  std::vector<double> values;
  for (std::size_t i = 1; i <= s.c.weights.size(); ++i) {
    std::optional<double> value = s.learner.find(fmt::format("{}_{}", name, i));
    if (!value) {
      return std::nullopt;
    }
    values.push_back(*value);
  }
  return values;
}

std::string vector_text(const std::vector<double>& values) {
  std::string text;
  for (double value : values) {
    text += fmt::format("{}{}", text.empty() ? "" : ", ", value);
  }
  return "[" + text + "]";
}

Section gradient_section(CaseGrader& grader, const CaseContext& s) {
  Section section{"Raw gradient of L = sum of c_i × w_i², so g_i = 2 × c_i × w_i", {}};
  for (std::size_t i = 0; i < s.c.weights.size(); ++i) {
    Check c;
    c.label = fmt::format("g{}", i + 1);
    c.formula = fmt::format("2 × {:.3f} × {:.3f}", s.c.coefficients[i], s.c.weights[i]);
    c.actual = s.learner.find(fmt::format("g_{}", i + 1));
    c.expected = s.reference.gradient[i];
    grader.check(section, std::move(c), s.lesson.tolerance, "raw gradient");
  }
  return section;
}

// Compares the learner's gradient with central differences of the loss,
// independently of the reference.
Section gradient_check_section(CaseGrader& grader, const CaseContext& s) {
  Section section{"Gradient check (central differences)", {}};
  const GradientCheckSettings& settings = s.lesson.gradient_check;
  const std::vector<double>& w = s.c.weights;

  engine::Matrix at(static_cast<Eigen::Index>(w.size()), 1);
  for (std::size_t i = 0; i < w.size(); ++i) {
    at(static_cast<Eigen::Index>(i), 0) = w[i];
  }
  auto loss = [&](const std::vector<engine::Matrix>& p) {
    std::vector<double> weights(p[0].data(), p[0].data() + p[0].size());
    return engine::weighted_square_loss(weights, s.c.coefficients);
  };
  engine::Matrix numerical = engine::numerical_gradient(loss, {at}, settings.step)[0];

  for (std::size_t i = 0; i < w.size(); ++i) {
    Check c;
    c.label = fmt::format("dL/dw{}", i + 1);
    c.actual = s.learner.find(fmt::format("g_{}", i + 1));
    c.expected = numerical(static_cast<Eigen::Index>(i), 0);
    c.expected_source = "central difference";
    c.note = fmt::format("numerically {:.6f}", c.expected);
    if (c.actual) {
      c.note +=
          fmt::format(", relative error {:.1e}", engine::relative_error(*c.actual, c.expected));
    }
    grader.check(section, std::move(c), settings.tolerance, "gradient check");
  }
  return section;
}

// The textbook's table: Original | Clipped | Action, one row per entry. The
// action compares the learner's own values.
Table clipped_table(CaseGrader& grader, const CaseContext& s, const std::vector<double>& original,
                    const std::string& name, const std::vector<double>& expected,
                    const std::string& where, const char* changed) {
  Table table;
  table.header = {"Original", "Clipped", "Action"};
  for (std::size_t i = 0; i < original.size(); ++i) {
    Check check;
    check.label = fmt::format("clipped g{}", i + 1);
    check.actual = s.learner.find(fmt::format("{}_{}", name, i + 1));
    check.expected = expected[i];
    check.decimals = kVectorDecimals;
    grader.evaluate(check, s.lesson.tolerance, where);

    std::string action = check.actual && *check.actual != original[i] ? changed : "No change";
    table.rows.push_back({{fmt::format("{:.{}f}", original[i], kVectorDecimals), std::nullopt},
                          {"", check},
                          {action, std::nullopt}});
  }
  return table;
}

Section by_value_section(CaseGrader& grader, const CaseContext& s, const std::vector<double>& g) {
  Section section{fmt::format("Clipping by value: each entry into [−{0}, {0}]", s.c.clip_value),
                  {}};
  section.lines.push_back({"", std::nullopt,
                           clipped_table(grader, s, g, "by_value", s.reference.by_value,
                                         "clipping by value", "CLIPPED")});
  return section;
}

Section by_norm_section(CaseGrader& grader, const CaseContext& s, const std::vector<double>& g) {
  Section section{fmt::format("Clipping by global norm: the whole vector to a length of at most {}",
                              s.c.max_norm),
                  {}};
  std::optional<double> norm = s.learner.find("norm");
  std::optional<double> scale = s.learner.find("scale");

  Check norm_check;
  norm_check.label = "global norm";
  norm_check.formula = "√(sum of g_i²)";
  norm_check.actual = norm;
  norm_check.expected = s.reference.norm;
  grader.check(section, norm_check, s.lesson.tolerance, "clipping by norm");
  if (!norm) {
    return section;
  }

  Check scale_check;
  scale_check.label = "scale";
  scale_check.formula = fmt::format("min(1, {} / ({:.3f} + 1e-6))", s.c.max_norm, *norm);
  scale_check.note = s.reference.scale < 1 ? "the norm is above the maximum, so shrink"
                                           : "the norm is within the maximum, so keep";
  scale_check.actual = scale;
  scale_check.expected = s.reference.scale;
  grader.check(section, scale_check, s.lesson.tolerance, "clipping by norm");

  if (learner_vector(s, "by_norm")) {
    section.lines.push_back({"", std::nullopt,
                             clipped_table(grader, s, g, "by_norm", s.reference.by_norm,
                                           "clipping by norm", "SCALED")});
  }
  return section;
}

Cell cosine_cell(CaseGrader& grader, const CaseContext& s, const std::vector<double>& g,
                 const std::vector<double>& clipped, double expected, const char* label) {
  Check check;
  check.label = label;
  check.expected = expected;
  check.decimals = kCosineDecimals;
  check.actual = engine::cosine_similarity(g, clipped);
  grader.evaluate(check, s.lesson.tolerance, "direction");
  return {"", check};
}

double degrees(double cosine) { return std::acos(cosine) * 180 / std::numbers::pi; }

int changed_entries(const std::vector<double>& original, const std::vector<double>& clipped) {
  int changed = 0;
  for (std::size_t i = 0; i < original.size(); ++i) {
    changed += clipped[i] != original[i];
  }
  return changed;
}

// Says in words what each clipping did to the learner's gradient.
std::vector<std::string> direction_summary(const CaseContext& s, const std::vector<double>& g,
                                           const std::vector<double>& by_value,
                                           const std::vector<double>& by_norm) {
  std::optional<double> value_cosine = engine::cosine_similarity(g, by_value);
  std::optional<double> norm_cosine = engine::cosine_similarity(g, by_norm);
  if (!value_cosine || !norm_cosine || !std::isfinite(*value_cosine) ||
      !std::isfinite(*norm_cosine)) {
    return {};
  }

  std::vector<std::string> lines;
  int cut = changed_entries(g, by_value);
  if (cut == 0) {
    lines.push_back("Clipping by value left every entry as it was.");
  } else {
    lines.push_back(
        fmt::format("Clipping by value cut {} of {} entries and turned the gradient "
                    "by {:.1f} degrees.",
                    cut, g.size(), degrees(*value_cosine)));
  }
  if (changed_entries(g, by_norm) == 0) {
    lines.push_back(
        fmt::format("Clipping by norm left the gradient as it was: its length {:.3f} "
                    "is within {}.",
                    engine::global_norm(g), s.c.max_norm));
  } else {
    double before = engine::global_norm(g);
    double after = engine::global_norm(by_norm);
    lines.push_back(fmt::format(
        "Clipping by norm {} the gradient from {:.3f} to {:.3f} "
        "and turned it by {:.1f} degrees.",
        after > before ? "lengthened" : "shortened", before, after, degrees(*norm_cosine)));
  }
  return lines;
}

// Compares the directions of the two clipped vectors with the original's.
// The cosines come from the learner's vectors and are checked against the
// reference's.
Section direction_section(CaseGrader& grader, const CaseContext& s, const std::vector<double>& g) {
  Section section{"Direction: cosine similarity with the original gradient", {}};
  std::optional<std::vector<double>> by_value = learner_vector(s, "by_value");
  std::optional<std::vector<double>> by_norm = learner_vector(s, "by_norm");
  const engine::ClippingReference& r = s.reference;
  if (!by_value || !by_norm) {
    return section;
  }
  if (!r.cosine_by_value || !r.cosine_by_norm) {
    section.lines.push_back(
        {"The gradient is zero: it has no direction, and both clippings "
         "must leave it zero.",
         std::nullopt, std::nullopt});
    return section;
  }

  Table table;
  table.header = {"Clipping", "Cosine", "Length"};
  table.rows.push_back({{"none", std::nullopt},
                        {"1.000000", std::nullopt},
                        {fmt::format("{:.3f}", engine::global_norm(g)), std::nullopt}});
  Cell value_cell =
      cosine_cell(grader, s, g, *by_value, *r.cosine_by_value, "cosine, clipped by value");
  Cell norm_cell =
      cosine_cell(grader, s, g, *by_norm, *r.cosine_by_norm, "cosine, clipped by norm");
  table.rows.push_back({{"by value", std::nullopt},
                        value_cell,
                        {fmt::format("{:.3f}", engine::global_norm(*by_value)), std::nullopt}});
  table.rows.push_back({{"by norm", std::nullopt},
                        norm_cell,
                        {fmt::format("{:.3f}", engine::global_norm(*by_norm)), std::nullopt}});
  section.lines.push_back({"", std::nullopt, table});

  for (std::string text : direction_summary(s, g, *by_value, *by_norm)) {
    section.lines.push_back({std::move(text), std::nullopt, std::nullopt});
  }
  return section;
}

CaseTrace grade_case(const Lesson& lesson, const ClippingCase& c, const CaseRecords& records) {
  CaseTrace trace;
  trace.name = c.name;
  trace.hidden = c.hidden;
  trace.setup = fmt::format("w = {}, c = {}, clip value {}, max norm {}", vector_text(c.weights),
                            vector_text(c.coefficients), c.clip_value, c.max_norm);
  trace.stop = records.stop;

  CaseGrader grader(trace);
  engine::ClippingReference reference =
      engine::clipping_reference(c.weights, c.coefficients, c.clip_value, c.max_norm);
  StepValues empty;
  const StepValues& learner = records.steps.empty() ? empty : records.steps.front();
  CaseContext s{lesson, c, reference, learner};

  std::optional<std::vector<double>> g = learner_vector(s, "g");
  if (g) {
    trace.sections.push_back(gradient_section(grader, s));
    trace.sections.push_back(gradient_check_section(grader, s));
  }
  if (g && learner_vector(s, "by_value")) {
    trace.sections.push_back(by_value_section(grader, s, *g));
  }
  if (g && s.learner.find("norm")) {
    trace.sections.push_back(by_norm_section(grader, s, *g));
  }
  if (g) {
    trace.sections.push_back(direction_section(grader, s, *g));
  }

  // A case passes only when every function ran.
  if (records.stop || !learner_vector(s, "by_norm")) {
    grader.fail();
  }
  return trace;
}

}  // namespace

std::vector<CaseTrace> grade_clipping(const Lesson& lesson, const std::vector<ClippingCase>& cases,
                                      const ChannelData& data) {
  return grade_reported_cases(cases, data, [&](const auto& c, const CaseRecords& records) {
    return grade_case(lesson, c, records);
  });
}

}  // namespace gradlings::runner
