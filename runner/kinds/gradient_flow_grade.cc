#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "engine/gradcheck.h"
#include "runner/grader.h"
#include "runner/kinds/gradient_flow.h"
#include "runner/lesson.h"

namespace gradlings::runner {

namespace {

using engine::GradientStatus;
using engine::Matrix;

// A status must match exactly, because its value is the enum's code.
const engine::Tolerance kExact{0.0, 0.0};

// The log scale of the gradient chart: an empty bar is 1e-12 or less, a full
// bar 1e+02 or more, two characters per power of ten.
constexpr int kChartLowExponent = -12;
constexpr int kChartHighExponent = 2;
constexpr int kChartWidth = 28;

// The learner's values of one step, looked up by name. A chain sends
// thousands of values, too many for StepValues::find's linear search.
class Values {
 public:
  explicit Values(const StepValues& step) {
    for (const auto& [name, value] : step.values) {
      values_.emplace(name, value);
    }
  }

  std::optional<double> find(const std::string& name) const {
    auto it = values_.find(name);
    return it == values_.end() ? std::nullopt : std::optional<double>(it->second);
  }

 private:
  std::unordered_map<std::string, double> values_;
};

std::string mark(bool passed) { return passed ? "✓" : "✗"; }

Cell text_cell(std::string text) { return {std::move(text), std::nullopt}; }

TraceLine text_line(std::string text) { return {std::move(text), std::nullopt, std::nullopt}; }

TraceLine table_line(Table table) { return {"", std::nullopt, std::move(table)}; }

// Whether `stage` ran to its end in step `step_index` of the case.
bool completed(const CaseRecords& records, std::size_t step_index, const std::string& stage) {
  bool last_step = step_index + 1 == records.steps.size();
  return !(last_step && records.stop && records.stop->stage == stage);
}

// ---- Flows ----

std::string status_name(std::optional<double> code) {
  if (!code) {
    return "?";
  }
  if (*code >= 0 && *code <= static_cast<double>(GradientStatus::healthy) &&
      *code == std::floor(*code)) {
    return engine::gradient_status_name(static_cast<GradientStatus>(*code));
  }
  return fmt::format("status {}", *code);
}

// Enough decimals to show three significant digits of the smallest gradient,
// and at least four, so that 0.00144 and 0.9504 print in full.
int gradient_decimals(const std::vector<double>& gradients) {
  double smallest = std::numeric_limits<double>::infinity();
  for (double g : gradients) {
    if (g != 0 && std::isfinite(g)) {
      smallest = std::min(smallest, std::abs(g));
    }
  }
  if (!std::isfinite(smallest)) {
    return 4;
  }
  return std::clamp(2 - static_cast<int>(std::floor(std::log10(smallest))), 4, 12);
}

// Grades one layer's gradient and status and returns the table row. The
// status is expected to classify the learner's own gradient when there is
// one, so a wrong gradient is not counted again as a wrong status.
std::vector<Cell> flow_row(const Lesson& lesson, CaseGrader& grader, const Values& v,
                           const FlowCase& flow, double reference, int decimals, std::size_t k) {
  std::string where = fmt::format("layer {}", k + 1);
  Check gradient;
  gradient.label = fmt::format("flow[{}].gradient", k);
  gradient.actual = v.find(gradient.label);
  gradient.expected = reference;
  gradient.decimals = decimals;
  grader.evaluate(gradient, lesson.tolerance, where);

  GradientStatus expected = engine::gradient_status(gradient.actual.value_or(reference));
  Check status;
  status.label = fmt::format("flow[{}].status", k);
  status.actual = v.find(status.label);
  status.expected = static_cast<double>(expected);
  status.actual_text = status_name(status.actual);
  status.expected_text = engine::gradient_status_name(expected);
  status.expected_source =
      fmt::format("the status of gradient {:.3g}", gradient.actual.value_or(reference));
  bool right = grader.evaluate(status, kExact, where);

  std::string status_cell = status_name(status.actual) + " " + mark(right);
  if (!right) {
    status_cell += ", expected " + engine::gradient_status_name(expected);
  }
  return {text_cell(std::to_string(k + 1)), text_cell(fmt::format("{:.2f}", flow.weights[k])),
          Cell{"", gradient}, text_cell(status_cell)};
}

CaseTrace grade_flow(const Lesson& lesson, const FlowCase& flow, const CaseRecords& records) {
  CaseTrace trace;
  trace.name = flow.name;
  trace.hidden = flow.hidden;
  trace.setup = fmt::format("a gradient of 1.0 flows back through {} layers, weights [{}]",
                            flow.weights.size(), fmt::join(flow.weights, ", "));
  trace.stop = records.stop;
  trace.passed = !records.stop && !records.steps.empty();
  if (records.steps.empty() || !completed(records, 0, "flow")) {
    return trace;
  }

  CaseGrader grader(trace);
  Values v(records.steps[0]);
  std::vector<double> reference = engine::gradient_flow(1.0, flow.weights);
  Section section{
      fmt::format("Gradient flowing back through {} layers (starting at 1.0)", flow.weights.size()),
      {}};

  Check size;
  size.label = "flow.size()";
  size.note = "one FlowStep per weight";
  size.decimals = 0;
  size.actual = v.find(size.label);
  size.expected = static_cast<double>(flow.weights.size());
  if (!size.actual || *size.actual != size.expected) {
    grader.check(section, size, kExact, "the returned vector");
  }

  Table table{{"Layer", "Weight", "Gradient", "Status"}, {}};
  int decimals = gradient_decimals(reference);
  for (std::size_t k = 0; k < flow.weights.size(); ++k) {
    table.rows.push_back(flow_row(lesson, grader, v, flow, reference[k], decimals, k));
  }
  section.lines.push_back(table_line(table));

  std::optional<double> last = v.find(fmt::format("flow[{}].gradient", flow.weights.size() - 1));
  if (last) {
    section.lines.push_back(
        text_line(fmt::format("Final gradient: {:.6g} (it started at 1.0)", *last)));
  }
  trace.sections.push_back(section);
  return trace;
}

// ---- Chains ----

// One chain of a chain case, with its reference values.
struct ChainContext {
  std::string name;  // "sigmoid" or "ReLU", for the places named in messages
  const engine::DeepChain& chain;
  engine::ChainPass reference;
  std::vector<Matrix> numerical;  // dL/dW by central differences
};

// The verdict on every entry of one layer's vector or matrix.
struct EntriesVerdict {
  bool passed = true;
  bool complete = true;  // the learner sent every entry
  std::vector<std::optional<double>> values;
  double norm = 0;  // of the learner's entries, meaningful only when complete
};

// Checks each entry name[i] (a column) or name[i][j] (a matrix) in row-major
// order against `expected`.
EntriesVerdict check_entries(CaseGrader& grader, const Values& v, const std::string& name,
                             const Matrix& expected, bool matrix,
                             const engine::Tolerance& tolerance, const std::string& where,
                             const std::string& source = "reference") {
  EntriesVerdict verdict;
  double squares = 0;
  for (Eigen::Index i = 0; i < expected.rows(); ++i) {
    for (Eigen::Index j = 0; j < expected.cols(); ++j) {
      Check c;
      c.label = matrix ? fmt::format("{}[{}][{}]", name, i, j) : fmt::format("{}[{}]", name, i);
      c.actual = v.find(c.label);
      c.expected = expected(i, j);
      c.expected_source = source;
      verdict.passed = grader.evaluate(c, tolerance, where) && verdict.passed;
      verdict.complete = verdict.complete && c.actual.has_value();
      squares += c.actual ? *c.actual * *c.actual : 0;
      verdict.values.push_back(c.actual);
    }
  }
  verdict.norm = std::sqrt(squares);
  return verdict;
}

Cell vector_cell(const EntriesVerdict& verdict) {
  std::string text;
  for (const std::optional<double>& value : verdict.values) {
    text += (text.empty() ? "" : " ") + (value ? fmt::format("{:.2f}", *value) : std::string("?"));
  }
  return text_cell(text + " " + mark(verdict.passed));
}

std::string scientific(double value) { return fmt::format("{:.2e}", value); }

Cell norm_cell(const EntriesVerdict& verdict) {
  std::string size = verdict.complete ? scientific(verdict.norm) : std::string("?");
  return text_cell(size + " " + mark(verdict.passed));
}

Section forward_section(const Lesson& lesson, CaseGrader& grader, const Values& v,
                        const ChainContext& c, const std::string& title) {
  Section section{title + ": forward pass", {}};
  Table table{{"Layer", "z", "a"}, {}};
  for (std::size_t l = 0; l < c.reference.layers.size(); ++l) {
    const engine::ChainLayer& r = c.reference.layers[l];
    std::string where = fmt::format("{} chain, forward pass, layer {}", c.name, l + 1);
    EntriesVerdict z =
        check_entries(grader, v, fmt::format("z[{}]", l), r.z, false, lesson.tolerance, where);
    EntriesVerdict a =
        check_entries(grader, v, fmt::format("a[{}]", l), r.a, false, lesson.tolerance, where);
    table.rows.push_back({text_cell(std::to_string(l + 1)), vector_cell(z), vector_cell(a)});
  }
  section.lines.push_back(table_line(table));
  return section;
}

// The backward section, and the learner's size of dL/dW per layer for the
// chart, or nothing when an entry is missing.
struct BackwardResult {
  Section section;
  std::optional<std::vector<double>> sizes;
};

// Grades the backward pass from the last layer to the first, the order in
// which it is computed, and compares each dL/dW with central differences.
BackwardResult backward_section(const Lesson& lesson, CaseGrader& grader, const Values& v,
                                const ChainContext& c, const std::string& title) {
  Section section{fmt::format("{}: backward pass (target {:.4g})", title, c.chain.target), {}};
  Table table{{"Layer", "dL/da", "da/dz", "dL/dz", "dL/dW", "numerical dL/dW"}, {}};
  std::vector<double> sizes(c.reference.layers.size(), 0);
  bool complete = true;

  for (std::size_t l = c.reference.layers.size(); l-- > 0;) {
    const engine::ChainLayer& r = c.reference.layers[l];
    std::string where = fmt::format("{} chain, backward pass, layer {}", c.name, l + 1);
    auto check = [&](const char* name, const Matrix& expected, bool matrix) {
      return check_entries(grader, v, fmt::format("{}[{}]", name, l), expected, matrix,
                           lesson.tolerance, where);
    };
    EntriesVerdict dL_da = check("dL_da", r.dL_da, false);
    EntriesVerdict da_dz = check("da_dz", r.da_dz, false);
    EntriesVerdict dL_dz = check("dL_dz", r.dL_dz, false);
    EntriesVerdict dL_dW = check("dL_dW", r.dL_dW, true);
    EntriesVerdict numerical = check_entries(
        grader, v, fmt::format("dL_dW[{}]", l), c.numerical[l], true,
        lesson.gradient_check.tolerance,
        fmt::format("{} chain, gradient check, layer {}", c.name, l + 1), "central difference");

    Cell numerical_cell =
        text_cell(scientific(c.numerical[l].norm()) + " " + mark(numerical.passed));
    table.rows.push_back({text_cell(std::to_string(l + 1)), norm_cell(dL_da), vector_cell(da_dz),
                          norm_cell(dL_dz), norm_cell(dL_dW), numerical_cell});
    sizes[l] = dL_dW.norm;
    complete = complete && dL_dW.complete;
  }

  section.lines.push_back(table_line(table));
  section.lines.push_back(
      text_line("dL/da, dL/dz and dL/dW show their size, the square root of "
                "the sum of their squared entries."));
  section.lines.push_back(
      text_line(fmt::format("Numerical dL/dW: central differences of the loss "
                            "with step {}, each entry checked against yours.",
                            lesson.gradient_check.step)));
  return {section, complete ? std::optional(sizes) : std::nullopt};
}

std::string bar(double size) {
  int filled = 0;
  if (size > 0 && std::isfinite(size)) {
    double position =
        (std::log10(size) - kChartLowExponent) / (kChartHighExponent - kChartLowExponent);
    filled = std::clamp(static_cast<int>(std::lround(position * kChartWidth)), 0, kChartWidth);
  }
  std::string text;
  for (int i = 0; i < kChartWidth; ++i) {
    text += i < filled ? "█" : " ";
  }
  return text + " " + (size == 0 ? std::string("0") : scientific(size));
}

std::string change_factor(const std::vector<double>& sizes) {
  return sizes.back() == 0 ? std::string("undefined")
                           : fmt::format("{:.1e}", sizes.front() / sizes.back());
}

Section chart_section(const std::vector<double>& sigmoid, const std::vector<double>& relu) {
  Section section{fmt::format("Size of your dL/dW per layer, log scale: an empty bar is 1e{} or "
                              "less, a full bar 1e+{:02} or more",
                              kChartLowExponent, kChartHighExponent),
                  {}};
  Table table{{"Layer", "sigmoid, small weights", "ReLU, He-uniform weights"}, {}};
  for (std::size_t l = sigmoid.size(); l-- > 0;) {
    table.rows.push_back(
        {text_cell(std::to_string(l + 1)), text_cell(bar(sigmoid[l])), text_cell(bar(relu[l]))});
  }
  section.lines.push_back(table_line(table));
  section.lines.push_back(text_line(fmt::format(
      "From layer {} back to layer 1 the size changes by a factor of {} with sigmoid units and {} "
      "with ReLU units.",
      sigmoid.size(), change_factor(sigmoid), change_factor(relu))));
  return section;
}

ChainContext chain_context(const Lesson& lesson, const std::string& name,
                           const engine::DeepChain& chain) {
  auto loss = [&](const std::vector<Matrix>& weights) {
    engine::DeepChain copy = chain;
    copy.weights = weights;
    return engine::deep_chain_loss(copy);
  };
  return {name, chain, engine::deep_chain_pass(chain),
          engine::numerical_gradient(loss, chain.weights, lesson.gradient_check.step)};
}

std::string chain_setup(const ChainCase& c) {
  std::vector<double> x(c.sigmoid.x.data(), c.sigmoid.x.data() + c.sigmoid.x.size());
  return fmt::format(
      "{} layers of {} units, the last with one; target {:.4g}; x = [{:.3f}]; "
      "weights drawn from seed {}",
      c.draw.layers, c.draw.width, c.draw.target, fmt::join(x, ", "), c.draw.seed);
}

CaseTrace grade_chain(const Lesson& lesson, const ChainCase& c, const CaseRecords& records) {
  CaseTrace trace;
  trace.name = c.name;
  trace.hidden = c.hidden;
  trace.setup = chain_setup(c);
  trace.stop = records.stop;
  trace.passed = !records.stop && records.steps.size() == 2;

  // Step 1 of the records is the sigmoid chain, step 2 the ReLU chain.
  struct Part {
    const char* name;
    const char* title;
    const engine::DeepChain& chain;
  };
  const Part parts[] = {{"sigmoid", "Sigmoid chain", c.sigmoid}, {"ReLU", "ReLU chain", c.relu}};
  CaseGrader grader(trace);
  std::optional<std::vector<double>> sizes[2];

  for (std::size_t s = 0; s < records.steps.size() && s < 2; ++s) {
    if (!completed(records, s, "forward")) {
      break;
    }
    Values v(records.steps[s]);
    ChainContext context = chain_context(lesson, parts[s].name, parts[s].chain);
    trace.sections.push_back(forward_section(lesson, grader, v, context, parts[s].title));
    if (!completed(records, s, "backward")) {
      break;
    }
    BackwardResult backward = backward_section(lesson, grader, v, context, parts[s].title);
    trace.sections.push_back(backward.section);
    sizes[s] = backward.sizes;
  }

  if (sizes[0] && sizes[1]) {
    trace.sections.push_back(chart_section(*sizes[0], *sizes[1]));
  }
  return trace;
}

}  // namespace

std::vector<CaseTrace> grade_gradient_flow(const Lesson& lesson, const GradientFlowCases& cases,
                                           const ChannelData& data) {
  std::vector<CaseTrace> traces;
  for (const CaseRecords& records : data.cases) {
    if (records.id < 0) {
      continue;
    }
    auto id = static_cast<std::size_t>(records.id);
    if (id < cases.flows.size()) {
      traces.push_back(grade_flow(lesson, cases.flows[id], records));
    } else if (id - cases.flows.size() < cases.chains.size()) {
      traces.push_back(grade_chain(lesson, cases.chains[id - cases.flows.size()], records));
    }
  }
  return traces;
}

}  // namespace gradlings::runner
