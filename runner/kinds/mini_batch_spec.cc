#include <fmt/format.h>

#include <cmath>

#include "runner/kinds/mini_batch.h"
#include "runner/lesson.h"
#include "runner/random.h"

namespace gradlings::runner {

namespace {

using engine::Matrix;

constexpr int kMaxSteps = 1'000;
constexpr int kMaxHiddenCases = 1'000;
constexpr int kMaxWidth = 16;
constexpr int kMaxBatch = 64;

// Reads map[key] as a list of rows of finite numbers, 1 to `max_rows` rows
// of 1 to kMaxWidth numbers each, all of one length.
Matrix read_matrix(const YamlDoc& doc, const YAML::Node& map, const std::string& key,
                   int max_rows) {
  YAML::Node rows = doc.sequence(map, key);
  std::string shape = fmt::format("'{}' must be a list of 1 to {} rows, each a list of 1 to {} "
                                  "numbers of the same length",
                                  key, max_rows, kMaxWidth);
  if (rows.size() < 1 || rows.size() > static_cast<std::size_t>(max_rows)) {
    doc.fail(rows.Mark(), shape);
  }
  Matrix m;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const YAML::Node& row = rows[r];
    if (!row.IsSequence() || row.size() < 1 || row.size() > kMaxWidth ||
        (r > 0 && row.size() != static_cast<std::size_t>(m.cols()))) {
      doc.fail(row.Mark(), shape);
    }
    if (r == 0) {
      m.resize(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(row.size()));
    }
    for (std::size_t c = 0; c < row.size(); ++c) {
      double value = 0;
      if (!row[c].IsScalar() || !YAML::convert<double>::decode(row[c], value) ||
          !std::isfinite(value)) {
        doc.fail(row[c].Mark(), fmt::format("each entry of '{}' must be a finite number", key));
      }
      m(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) = value;
    }
  }
  return m;
}

// Reads map[key] as a list of 1 to kMaxWidth finite numbers, returned as a
// row: the engine adds a bias as a row to every sample.
Matrix read_row(const YamlDoc& doc, const YAML::Node& map, const std::string& key) {
  YAML::Node list = doc.sequence(map, key);
  if (list.size() < 1 || list.size() > kMaxWidth) {
    doc.fail(list.Mark(), fmt::format("'{}' must be a list of 1 to {} numbers", key, kMaxWidth));
  }
  Matrix row(1, static_cast<Eigen::Index>(list.size()));
  for (std::size_t c = 0; c < list.size(); ++c) {
    double value = 0;
    if (!list[c].IsScalar() || !YAML::convert<double>::decode(list[c], value) ||
        !std::isfinite(value)) {
      doc.fail(list[c].Mark(), fmt::format("each entry of '{}' must be a finite number", key));
    }
    row(0, static_cast<Eigen::Index>(c)) = value;
  }
  return row;
}

// Fails at map[key] unless `m` is rows × cols.
void expect_shape(const YamlDoc& doc, const YAML::Node& map, const std::string& key,
                  const Matrix& m, Eigen::Index rows, Eigen::Index cols, const std::string& why) {
  if (m.rows() != rows || m.cols() != cols) {
    doc.fail(map[key].Mark(), fmt::format("'{}' is {}x{}, but {} needs {}x{}", key, m.rows(),
                                          m.cols(), why, rows, cols));
  }
}

engine::MiniBatchParams read_model(const YamlDoc& doc, const YAML::Node& model) {
  engine::MiniBatchParams p;
  p.W1 = read_matrix(doc, model, "W1", kMaxWidth);
  p.b1 = read_row(doc, model, "b1");
  p.W2 = read_matrix(doc, model, "W2", kMaxWidth);
  p.b2 = read_row(doc, model, "b2");
  Eigen::Index hidden = p.W1.rows();
  if (p.b1.cols() != hidden) {
    doc.fail(model["b1"].Mark(), fmt::format("'b1' has {} entries, but W1 has {} rows",
                                             p.b1.cols(), hidden));
  }
  expect_shape(doc, model, "W2", p.W2, p.W2.rows(), hidden, "one column per row of W1");
  if (p.b2.cols() != p.W2.rows()) {
    doc.fail(model["b2"].Mark(), fmt::format("'b2' has {} entries, but W2 has {} rows",
                                             p.b2.cols(), p.W2.rows()));
  }
  return p;
}

MiniBatchCase read_case(const YamlDoc& doc, const YAML::Node& node, const MiniBatchSpec& spec) {
  std::vector<std::string> keys = {"name", "X", "T", "steps"};
  doc.check_keys(node, "a case", keys, keys);
  MiniBatchCase c;
  c.name = doc.text(node, "name");
  c.params = spec.params;
  c.learning_rate = spec.learning_rate;
  c.X = read_matrix(doc, node, "X", kMaxBatch);
  c.T = read_matrix(doc, node, "T", kMaxBatch);
  expect_shape(doc, node, "X", c.X, c.X.rows(), spec.params.W1.cols(),
               "one column per column of W1");
  expect_shape(doc, node, "T", c.T, c.X.rows(), spec.params.W2.rows(),
               "one row per row of X and one column per row of W2");
  c.steps = static_cast<int>(doc.integer(node, "steps", 1, kMaxSteps));
  return c;
}

MiniBatchHidden read_hidden(const YamlDoc& doc, const YAML::Node& node) {
  std::vector<std::string> keys = {"seed", "count", "steps", "batch", "weights", "x", "target"};
  doc.check_keys(node, "'hidden'", keys, keys);
  MiniBatchHidden hidden;
  hidden.seed = static_cast<std::uint64_t>(doc.integer(node, "seed", 0, INT64_MAX));
  hidden.count = static_cast<int>(doc.integer(node, "count", 0, kMaxHiddenCases));
  hidden.steps = static_cast<int>(doc.integer(node, "steps", 1, kMaxSteps));
  hidden.batch = doc.range(node, "batch");
  if (hidden.batch.low != std::floor(hidden.batch.low) ||
      hidden.batch.high != std::floor(hidden.batch.high) || hidden.batch.low < 1 ||
      hidden.batch.high > kMaxBatch) {
    doc.fail(node["batch"].Mark(),
             fmt::format("'batch' must be a range of whole numbers between 1 and {}", kMaxBatch));
  }
  hidden.weights = doc.range(node, "weights");
  hidden.x = doc.range(node, "x");
  hidden.target = doc.range(node, "target");
  return hidden;
}

Matrix draw(Random& random, Eigen::Index rows, Eigen::Index cols, const Range& range) {
  Matrix m(rows, cols);
  for (Eigen::Index r = 0; r < rows; ++r) {
    for (Eigen::Index c = 0; c < cols; ++c) {
      m(r, c) = random.uniform(range.low, range.high);
    }
  }
  return m;
}

void append_matrix(std::string& line, const Matrix& m) {
  for (Eigen::Index r = 0; r < m.rows(); ++r) {
    for (Eigen::Index c = 0; c < m.cols(); ++c) {
      line += fmt::format(" {:.17g}", m(r, c));
    }
  }
}

}  // namespace

MiniBatchSpec parse_mini_batch_spec(const YamlDoc& doc) {
  const YAML::Node& root = doc.root();
  MiniBatchSpec spec;

  YAML::Node model = root["model"];
  std::vector<std::string> model_keys = {"W1", "b1", "W2", "b2", "learning_rate"};
  doc.check_keys(model, "'model'", model_keys, model_keys);
  spec.params = read_model(doc, model);
  spec.learning_rate = doc.positive_number(model, "learning_rate");

  for (const YAML::Node& node : doc.sequence(root, "cases")) {
    MiniBatchCase c = read_case(doc, node, spec);
    for (const MiniBatchCase& earlier : spec.cases) {
      if (earlier.name == c.name) {
        doc.fail(node["name"].Mark(), fmt::format("duplicate case name '{}'", c.name));
      }
    }
    spec.cases.push_back(c);
  }

  spec.hidden = read_hidden(doc, root["hidden"]);
  return spec;
}

std::vector<MiniBatchCase> mini_batch_cases(const MiniBatchSpec& spec) {
  std::vector<MiniBatchCase> cases = spec.cases;
  const MiniBatchHidden& hidden = spec.hidden;
  const engine::MiniBatchParams& model = spec.params;
  Random random(hidden.seed);

  for (int i = 1; i <= hidden.count; ++i) {
    MiniBatchCase c;
    c.name = fmt::format("hidden {}", i);
    c.hidden = true;
    c.learning_rate = spec.learning_rate;
    c.steps = hidden.steps;
    auto batch = static_cast<Eigen::Index>(
        std::floor(random.uniform(hidden.batch.low, hidden.batch.high + 1)));
    c.params.W1 = draw(random, model.W1.rows(), model.W1.cols(), hidden.weights);
    c.params.b1 = draw(random, 1, model.b1.cols(), hidden.weights);
    c.params.W2 = draw(random, model.W2.rows(), model.W2.cols(), hidden.weights);
    c.params.b2 = draw(random, 1, model.b2.cols(), hidden.weights);
    c.X = draw(random, batch, model.W1.cols(), hidden.x);
    c.T = draw(random, batch, model.W2.rows(), hidden.target);
    cases.push_back(c);
  }
  return cases;
}

std::string mini_batch_input(const std::vector<MiniBatchCase>& cases) {
  std::string input;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const MiniBatchCase& c = cases[i];
    std::string line = fmt::format("case {} {} {} {} {} {:.17g} {}", i, c.X.rows(), c.X.cols(),
                                   c.params.W1.rows(), c.params.W2.rows(), c.learning_rate,
                                   c.steps);
    for (const Matrix* m : {&c.params.W1, &c.params.b1, &c.params.W2, &c.params.b2, &c.X, &c.T}) {
      append_matrix(line, *m);
    }
    input += line + "\n";
  }
  return input;
}

namespace {

class MiniBatchKind : public LessonKind {
 public:
  std::string name() const override { return "mini-batch"; }

  std::vector<std::string> keys() const override { return {"model", "cases", "hidden"}; }

  std::shared_ptr<const KindSpec> parse(const YamlDoc& doc) const override {
    return std::make_shared<MiniBatchSpec>(parse_mini_batch_spec(doc));
  }

  std::string harness() const override { return "mini_batch_main.cpp"; }

  std::string input(const Lesson& lesson) const override {
    return mini_batch_input(mini_batch_cases(spec_as<MiniBatchSpec>(lesson.spec)));
  }

  std::vector<CaseTrace> grade(const Lesson& lesson, const ChannelData& data) const override {
    return grade_mini_batch(lesson, mini_batch_cases(spec_as<MiniBatchSpec>(lesson.spec)), data);
  }

  std::vector<CaseName> case_names(const Lesson& lesson) const override {
    return case_names_of(mini_batch_cases(spec_as<MiniBatchSpec>(lesson.spec)));
  }
};

}  // namespace

std::unique_ptr<LessonKind> make_mini_batch_kind() { return std::make_unique<MiniBatchKind>(); }

}  // namespace gradlings::runner
