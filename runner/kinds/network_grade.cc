#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>

#include "engine/gradcheck.h"
#include "engine/network.h"
#include "runner/grader.h"
#include "runner/kinds/network.h"
#include "runner/lesson.h"

namespace gradlings::runner {

namespace {

using engine::NetworkPass;

std::string index(const std::string& name, std::size_t l, std::size_t j) {
  return fmt::format("{}[{}][{}]", name, l, j);
}

std::string index(const std::string& name, std::size_t l, std::size_t j, std::size_t i) {
  return fmt::format("{}[{}][{}][{}]", name, l, j, i);
}

// The learner's values of one step, with the reference they are checked
// against.
struct SampleContext {
  const Lesson& lesson;
  const NetworkCase& c;
  const StepValues& learner;
  const NetworkPass& reference;
  std::size_t number;     // the sample's place in the training order, from 1
  std::string step_name;  // "sample 2"
};

Cell checked_cell(CaseGrader& grader, const SampleContext& s, const std::string& where,
                  const std::string& label, double expected, int decimals) {
  Check check;
  check.label = label;
  check.actual = s.learner.find(label);
  check.expected = expected;
  check.decimals = decimals;
  std::optional<Suspects> suspects =
      network_suspects(label, s.learner, s.c.start, s.c.samples[s.number - 1]);
  if (suspects) {
    add_diagnosis(check, *suspects, s.lesson.tolerance);
  }
  grader.evaluate(check, s.lesson.tolerance, where);
  return {"", check};
}

std::string point_text(const NetworkPoint& point) {
  auto numbers = [](const std::vector<double>& values) {
    std::vector<std::string> parts;
    for (double value : values) {
      parts.push_back(fmt::format("{:.4g}", value));
    }
    return fmt::format("({})", fmt::join(parts, ", "));
  };
  return fmt::format("x = {}, target = {}", numbers(point.x), numbers(point.target));
}

Section forward_section(CaseGrader& grader, const SampleContext& s, const NetworkPoint& point) {
  Section section{fmt::format("Sample {} of {}, {}: forward pass from the starting weights",
                              s.number, s.c.samples.size(), point_text(point)),
                  {}};
  std::string where = s.step_name + ", forward pass";
  if (add_shape_failure(section, grader, s.learner, "pass", s.c.sizes, where)) {
    return section;
  }

  Table table{{"Layer", "Unit", "z", "a"}, {}};
  for (std::size_t l = 0; l < s.reference.z.size(); ++l) {
    for (Eigen::Index j = 0; j < s.reference.z[l].rows(); ++j) {
      std::size_t unit = static_cast<std::size_t>(j);
      table.rows.push_back(
          {{std::to_string(l), std::nullopt},
           {std::to_string(j), std::nullopt},
           checked_cell(grader, s, where, index("z", l, unit), s.reference.z[l](j, 0), 3),
           checked_cell(grader, s, where, index("a", l, unit), s.reference.a[l](j, 0), 3)});
    }
  }
  section.lines.push_back({"", std::nullopt, table});
  return section;
}

void add_loss_line(Section& section, CaseGrader& grader, const SampleContext& s,
                   const NetworkPoint& point) {
  Check check;
  check.label = "loss";
  check.actual = s.learner.find("loss");
  check.expected = s.reference.loss;
  std::size_t last = s.reference.a.size() - 1;
  if (point.target.size() == 1) {
    check.formula =
        fmt::format("0.5 × ({} − {:.3f})²", three_decimals(s.learner.find(index("a", last, 0))),
                    point.target[0]);
  } else {
    check.formula = fmt::format("0.5 × the sum of (a[{}][j] − target[j])² over {} outputs", last,
                                point.target.size());
  }
  if (std::optional<Suspects> suspects = network_suspects("loss", s.learner, s.c.start, point)) {
    add_diagnosis(check, *suspects, s.lesson.tolerance);
  }
  grader.check(section, check, s.lesson.tolerance, s.step_name + ", loss");
}

// A table cell has no room for a diagnosis, so the first one in `table` gets
// a line of its own below it.
void add_first_diagnosis(Section& section, const Table& table) {
  for (const auto& row : table.rows) {
    for (const Cell& cell : row) {
      if (cell.check && !cell.check->passed && !cell.check->diagnosis.empty()) {
        section.lines.push_back({fmt::format("Likely cause of the ✗ at {}: {}", cell.check->label,
                                             cell.check->diagnosis),
                                 std::nullopt, std::nullopt});
        return;
      }
    }
  }
}

Section backward_section(CaseGrader& grader, const SampleContext& s) {
  Section section{"Backward pass, from the output back (delta = dL/dz)", {}};
  std::string where = s.step_name + ", backward pass";
  if (add_shape_failure(section, grader, s.learner, "gradients", s.c.sizes, where)) {
    return section;
  }

  int widest = *std::max_element(s.c.sizes.begin(), s.c.sizes.end() - 1);
  Table table{{"Layer", "Unit", "delta", "db"}, {}};
  for (int i = 0; i < widest; ++i) {
    table.header.push_back(fmt::format("dW[j][{}]", i));
  }
  for (std::size_t l = s.reference.z.size(); l-- > 0;) {
    for (Eigen::Index j = 0; j < s.reference.delta[l].rows(); ++j) {
      std::size_t unit = static_cast<std::size_t>(j);
      std::vector<Cell> row = {
          {std::to_string(l), std::nullopt},
          {std::to_string(j), std::nullopt},
          checked_cell(grader, s, where, index("delta", l, unit), s.reference.delta[l](j, 0), 4),
          checked_cell(grader, s, where, index("db", l, unit), s.reference.db[l](j, 0), 4)};
      for (Eigen::Index i = 0; i < s.reference.dW[l].cols(); ++i) {
        row.push_back(
            checked_cell(grader, s, where, index("dW", l, unit, i), s.reference.dW[l](j, i), 4));
      }
      row.resize(table.header.size());
      table.rows.push_back(row);
    }
  }
  section.lines.push_back({"", std::nullopt, table});
  add_first_diagnosis(section, table);
  return section;
}

// Checks one layer's gradients against the central differences of the
// learner's own loss, and shows the first that disagrees, or else the one
// that comes closest to failing.
void add_layer_gradient_check(Section& section, CaseGrader& grader, const SampleContext& s,
                              std::size_t l) {
  std::vector<std::string> names;
  for (Eigen::Index j = 0; j < s.reference.dW[l].rows(); ++j) {
    std::size_t unit = static_cast<std::size_t>(j);
    for (Eigen::Index i = 0; i < s.reference.dW[l].cols(); ++i) {
      names.push_back(index("dW", l, unit, i));
    }
    names.push_back(index("db", l, unit));
  }

  const engine::Tolerance& tolerance = s.lesson.gradient_check.tolerance;
  std::optional<Check> shown;
  double shown_margin = -1;
  int failures = 0;
  for (const std::string& name : names) {
    std::optional<double> numerical = s.learner.find("numerical:" + name);
    if (!numerical) {
      continue;  // the harness stopped before it got here
    }
    Check check;
    check.label = name;
    check.actual = s.learner.find(name);
    check.expected = *numerical;
    check.expected_source = "central difference of your loss";
    check.decimals = 4;
    add_diagnosis(check, network_gradient_check_suspects(*numerical), tolerance, kNumericalMatch);
    bool passed = grader.evaluate(check, tolerance, s.step_name + ", gradient check");
    double error = check.actual ? std::abs(*check.actual - check.expected) : 0;
    double margin = error / (tolerance.absolute + tolerance.relative * std::abs(check.expected));
    failures += passed ? 0 : 1;
    if ((!passed && failures == 1) || (failures == 0 && margin > shown_margin)) {
      shown = check;
      shown_margin = margin;
    }
  }

  if (!shown) {
    return;
  }
  double relative = shown->actual ? engine::relative_error(*shown->actual, shown->expected) : 1;
  shown->note =
      fmt::format("numerically {:.6f}, relative error {:.1e}; ", shown->expected, relative);
  shown->note += failures == 0
                     ? fmt::format("the largest of the {} in layer {}", names.size(), l)
                     : fmt::format("{} of the {} in layer {} disagree", failures, names.size(), l);
  section.lines.push_back({"", shown, std::nullopt});
}

Section gradient_check_section(CaseGrader& grader, const SampleContext& s) {
  Section section{fmt::format("Gradient check: central differences of your loss (h = {:g})",
                              s.lesson.gradient_check.step),
                  {}};
  for (std::size_t l = s.reference.z.size(); l-- > 0;) {
    add_layer_gradient_check(section, grader, s, l);
  }
  return section;
}

Section update_section(CaseGrader& grader, const SampleContext& s) {
  Section section{fmt::format("Update: the starting weights minus {:g} × this sample's gradients",
                              s.c.learning_rate),
                  {}};
  std::string where = s.step_name + ", update";
  if (add_shape_failure(section, grader, s.learner, "updated", s.c.sizes, where)) {
    return section;
  }
  engine::NetworkParams expected = engine::sgd_update(s.c.start, s.reference, s.c.learning_rate);
  SuspectsOf suspects = [&s](const std::string& label) {
    return network_update_suspects(label, s.learner, s.c.start, s.c.learning_rate);
  };
  Table table = weights_table(expected, &s.learner, &grader, s.lesson, where, suspects);
  section.lines.push_back({"", std::nullopt, table});
  add_first_diagnosis(section, table);
  return section;
}

bool has_value_starting(const StepValues& step, const std::string& prefix) {
  return std::any_of(step.values.begin(), step.values.end(),
                     [&](const auto& value) { return value.first.starts_with(prefix); });
}

void grade_sample(CaseTrace& trace, CaseGrader& grader, const Lesson& lesson, const NetworkCase& c,
                  std::size_t k, const StepValues& learner) {
  const NetworkPoint& point = c.samples[k];
  NetworkPass reference = engine::network_pass(c.start, to_engine(point));
  SampleContext s{lesson, c, learner, reference, k + 1, fmt::format("sample {}", k + 1)};

  if (!has_value_starting(learner, "z[") && !has_value_starting(learner, "pass.")) {
    return;
  }
  Section forward = forward_section(grader, s, point);
  if (learner.find("loss")) {
    add_loss_line(forward, grader, s, point);
  }
  trace.sections.push_back(forward);

  if (has_value_starting(learner, "delta[") || has_value_starting(learner, "gradients.")) {
    trace.sections.push_back(backward_section(grader, s));
  }
  if (has_value_starting(learner, "numerical:")) {
    trace.sections.push_back(gradient_check_section(grader, s));
  }
  if (has_value_starting(learner, "W[") || has_value_starting(learner, "updated.")) {
    trace.sections.push_back(update_section(grader, s));
  }
}

std::string setup_text(const NetworkCase& c) {
  std::string weights = c.seed ? fmt::format("weights from random_network({{{}}}, {})",
                                             fmt::join(c.sizes, ", "), *c.seed)
                               : "weights as given";
  return fmt::format("sizes {{{}}}, {}, learning rate {:g}, {} sample{}, {} epoch{}",
                     fmt::join(c.sizes, ", "), weights, c.learning_rate, c.samples.size(),
                     c.samples.size() == 1 ? "" : "s", c.epochs, c.epochs == 1 ? "" : "s");
}

CaseTrace grade_case(const Lesson& lesson, const NetworkCase& c, const CaseRecords& records) {
  CaseTrace trace;
  trace.name = c.name;
  trace.hidden = c.hidden;
  trace.setup = setup_text(c);
  trace.stop = records.stop;
  if (records.stop) {
    trace.passed = false;
  }
  trace.sections.push_back(
      {"Starting weights",
       {{"", std::nullopt, weights_table(c.start, nullptr, nullptr, lesson, "")}}});

  CaseGrader grader(trace);
  std::size_t sample_count = c.samples.size();
  for (std::size_t k = 0; k < sample_count && k < records.steps.size(); ++k) {
    grade_sample(trace, grader, lesson, c, k, records.steps[k]);
  }
  if (c.epochs > 0 && records.steps.size() > sample_count) {
    std::vector<StepValues> epochs(
        records.steps.begin() + static_cast<std::ptrdiff_t>(sample_count), records.steps.end());
    add_training_sections(trace, grader, lesson, c, epochs);
  }

  std::size_t expected_steps = sample_count + (c.epochs > 0 ? c.epochs + 1 : 0);
  if (records.steps.size() < expected_steps) {
    grader.fail();
  }
  return trace;
}

// Returns the size that `path` (a name such as "gradients.layers[1].dW[0]")
// must have in a network of `sizes`.
double expected_size(const std::string& path, const std::vector<int>& sizes) {
  if (path.ends_with("layers") || path == "pass.z" || path == "pass.a") {
    return static_cast<double>(sizes.size() - 1);
  }
  if (path == "pass.x") {
    return sizes.front();
  }
  // The layer is the first index. Names come from the harness, but the
  // learner's code can write to the channel too, so nothing here may throw.
  std::size_t l = 0;
  std::size_t open = path.find('[');
  if (open != std::string::npos) {
    for (std::size_t at = open + 1;
         at < path.size() && std::isdigit(static_cast<unsigned char>(path[at])); ++at) {
      l = std::min<std::size_t>(l * 10 + static_cast<std::size_t>(path[at] - '0'), sizes.size());
    }
  }
  l = std::min(l, sizes.size() - 2);
  bool row_of_matrix = path.ends_with("]") && (path.find(".W[") != std::string::npos ||
                                               path.find(".dW[") != std::string::npos);
  return sizes[row_of_matrix ? l : l + 1];
}

}  // namespace

bool add_shape_failure(Section& section, CaseGrader& grader, const StepValues& step,
                       const std::string& owner, const std::vector<int>& sizes,
                       const std::string& where) {
  std::optional<Check> check = shape_check(step, owner, sizes);
  if (!check) {
    return false;
  }
  grader.evaluate(*check, {0, 0}, where);
  Table table{{"Size", "Yours", "Expected"}, {}};
  table.rows.push_back({{check->label, std::nullopt},
                        {"", check},
                        {fmt::format("{:.0f}", check->expected), std::nullopt}});
  section.lines.push_back({"", std::nullopt, table});
  section.lines.push_back({"The wrong shape stops this case here.", std::nullopt, std::nullopt});
  return true;
}

engine::NetworkSample to_engine(const NetworkPoint& point) {
  engine::NetworkSample sample;
  sample.x =
      Eigen::Map<const Eigen::VectorXd>(point.x.data(), static_cast<Eigen::Index>(point.x.size()));
  sample.target = Eigen::Map<const Eigen::VectorXd>(point.target.data(),
                                                    static_cast<Eigen::Index>(point.target.size()));
  return sample;
}

std::optional<Check> shape_check(const StepValues& step, const std::string& owner,
                                 const std::vector<int>& sizes) {
  const std::string suffix = ".size()";
  for (const auto& [name, value] : step.values) {
    if (!name.starts_with(owner + ".") || !name.ends_with(suffix)) {
      continue;
    }
    Check check;
    check.label = name;
    check.actual = value;
    check.expected = expected_size(name.substr(0, name.size() - suffix.size()), sizes);
    check.expected_source = "the network's shape";
    check.decimals = 0;
    return check;
  }
  return std::nullopt;
}

Table weights_table(const engine::NetworkParams& params, const StepValues* learner,
                    CaseGrader* grader, const Lesson& lesson, const std::string& where,
                    const SuspectsOf& suspects) {
  Table table{{"Layer", "Unit", "b"}, {}};
  Eigen::Index widest = 0;
  for (const engine::DenseLayer& layer : params) {
    widest = std::max(widest, layer.W.cols());
  }
  for (Eigen::Index i = 0; i < widest; ++i) {
    table.header.push_back(fmt::format("W[j][{}]", i));
  }

  auto cell = [&](const std::string& label, double expected) -> Cell {
    if (!learner || !grader) {
      return {fmt::format("{:.3f}", expected), std::nullopt};
    }
    Check check;
    check.label = label;
    check.actual = learner->find(label);
    check.expected = expected;
    std::optional<Suspects> found = suspects ? suspects(label) : std::nullopt;
    if (found) {
      add_diagnosis(check, *found, lesson.tolerance);
    }
    grader->evaluate(check, lesson.tolerance, where);
    return {"", check};
  };
  for (std::size_t l = 0; l < params.size(); ++l) {
    for (Eigen::Index j = 0; j < params[l].W.rows(); ++j) {
      std::size_t unit = static_cast<std::size_t>(j);
      std::vector<Cell> row = {{std::to_string(l), std::nullopt},
                               {std::to_string(j), std::nullopt},
                               cell(index("b", l, unit), params[l].b(j, 0))};
      for (Eigen::Index i = 0; i < params[l].W.cols(); ++i) {
        row.push_back(cell(index("W", l, unit, i), params[l].W(j, i)));
      }
      row.resize(table.header.size());
      table.rows.push_back(row);
    }
  }
  return table;
}

std::vector<CaseTrace> grade_network(const Lesson& lesson, const std::vector<NetworkCase>& cases,
                                     const ChannelData& data) {
  return grade_reported_cases(cases, data, [&](const auto& c, const CaseRecords& records) {
    return grade_case(lesson, c, records);
  });
}

}  // namespace gradlings::runner
