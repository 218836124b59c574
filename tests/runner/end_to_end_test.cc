// Lesson 2 end to end: the shipped solution, the stub and typical mistakes,
// compiled and run exactly as `runner lesson 2` does.
#include <gtest/gtest.h>

#include <fstream>

#include "runner/check.h"
#include "runner/kinds/two_layer.h"
#include "runner/lesson.h"
#include "runner/report.h"
#include "tests/runner/lesson_support.h"

namespace gradlings::runner {
namespace {

using namespace lesson_support;

const fs::path kLessonDir = kRoot / "lessons" / "02-two-layer-network";
const fs::path kSolution = kRoot / "solutions" / "02-two-layer-network" / "exercise.cpp";

fs::path scratch() { return scratch_dir("end-to-end-test"); }

LessonResult check_file(const fs::path& exercise) {
  return check_exercise(kLessonDir, exercise, scratch());
}

fs::path mutated_solution(const std::string& name, const std::string& from, const std::string& to) {
  return write_mutated_copy(kSolution, scratch(), name, {{from, to}});
}

TEST(LessonTwo, SolutionPassesEveryCase) {
  LessonResult result = check_file(kSolution);
  ASSERT_EQ(Outcome::passed, result.outcome) << result.compiler_log;

  Lesson lesson = load_lesson(kLessonDir);
  const TwoLayerSpec& spec = spec_as<TwoLayerSpec>(lesson.spec);
  EXPECT_EQ(spec.cases.size() + static_cast<std::size_t>(spec.hidden.count), result.traces.size());
  for (const CaseTrace& trace : result.traces) {
    EXPECT_TRUE(trace.passed) << trace.name;
  }
}

TEST(LessonTwo, StubReportsNotImplemented) {
  LessonResult result = check_file(kLessonDir / "exercise.cpp");
  ASSERT_EQ(Outcome::not_implemented, result.outcome) << result.compiler_log;

  std::vector<std::string> names;
  for (const std::string& function : result.missing_functions) {
    names.push_back(short_function_name(function));
  }
  EXPECT_EQ((std::vector<std::string>{"forward", "loss", "backward", "update"}), names);
}

struct Mutation {
  std::string name;
  std::string from;
  std::string to;
  std::string first_wrong;    // the label the trace must name
  bool fails_gradient_check;  // the central differences also disagree
};

class LessonTwoMutation : public ::testing::TestWithParam<Mutation> {};

TEST_P(LessonTwoMutation, FailsAtFirstWrongValue) {
  const Mutation& mutation = GetParam();
  LessonResult result = check_file(mutated_solution(mutation.name, mutation.from, mutation.to));
  ASSERT_EQ(Outcome::failed, result.outcome) << result.compiler_log;

  const CaseTrace& public_case = result.traces.at(0);
  ASSERT_FALSE(public_case.passed);
  ASSERT_TRUE(public_case.first_wrong);
  EXPECT_EQ(mutation.first_wrong, public_case.first_wrong->check.label);
  EXPECT_EQ("step 1, backward pass", public_case.first_wrong->where);

  // Every value before the first wrong one is still marked right.
  bool reached = false;
  bool gradient_check_failed = false;
  for (const Section& section : public_case.sections) {
    for (const TraceLine& line : section.lines) {
      if (!line.check) {
        continue;
      }
      if (line.check->label == mutation.first_wrong) {
        reached = true;
        EXPECT_FALSE(line.check->passed);
      }
      if (!reached) {
        EXPECT_TRUE(line.check->passed) << line.check->label;
      }
      if (section.heading.starts_with("Gradient check") && !line.check->passed) {
        gradient_check_failed = true;
      }
    }
  }
  EXPECT_EQ(mutation.fails_gradient_check, gradient_check_failed);
}

INSTANTIATE_TEST_SUITE_P(
    TypicalMistakes, LessonTwoMutation,
    ::testing::Values(Mutation{"sigmoid_derivative_dropped",
                               "g.da2_dz2 = values.a2 * (1.0 - values.a2);", "g.da2_dz2 = 1.0;",
                               "da2/dz2", true},
                      Mutation{"error_sign_flipped", "g.dL_da2 = values.a2 - target;",
                               "g.dL_da2 = target - values.a2;", "dL/da2", true},
                      Mutation{"half_of_loss_forgotten", "g.dL_da2 = values.a2 - target;",
                               "g.dL_da2 = 2.0 * (values.a2 - target);", "dL/da2", true}),
    [](const auto& info) { return info.param.name; });

TEST(LessonTwo, MissingReturnIsCompileError) {
  LessonResult result =
      check_file(mutated_solution("missing_return", "  return values;\n", "\n"));
  EXPECT_EQ(Outcome::compile_error, result.outcome);
  EXPECT_NE(std::string::npos, result.compiler_log.find("no return statement")) << result.compiler_log;
}

TEST(LessonTwo, WrongValueNamedEvenWithStubLeft) {
  std::string text = read_file(kSolution);
  text.replace(text.find("g.dL_da2 = values.a2 - target;"), 30, "g.dL_da2 = target - values.a2;");
  std::size_t update = text.find("Params update(");
  text = text.substr(0, update) +
         "Params update(const Params&, const Gradients&, double) { not_implemented(); }\n";
  fs::path path = scratch() / "update_left.cpp";
  std::ofstream(path) << text;

  LessonResult result = check_file(path);
  ASSERT_EQ(Outcome::not_implemented, result.outcome) << result.compiler_log;
  std::string report = render_result(load_lesson(kLessonDir), "update_left.cpp", result, {});
  EXPECT_NE(std::string::npos, report.find("Not implemented yet: update().")) << report;
  EXPECT_NE(std::string::npos,
            report.find("First wrong value: dL/da2 (step 1, backward pass, case 'public')"))
      << report;
}

TEST(RunnerCommand, SolutionPrintsMaterialTrace) {
  CommandOutput output = run_runner("lesson 2 --exercise " + kSolution.string());
  EXPECT_EQ(0, output.status) << output.text;
  // Step 1 of the material's trace, rounded to three decimals.
  for (const char* line : {
           "✓ z1 = 1.000×0.500 + 0.200 = 0.700",
           "✓ a1 = sigmoid(0.700) = 0.668",
           "✓ z2 = 0.668×0.800 + 0.100 = 0.635",
           "✓ a2 = sigmoid(0.635) = 0.654",
           "✓ loss = 0.5 × (0.654 − 0.800)² = 0.011",
           "✓ dL/dw2 = -0.033 × 0.668 = -0.022",
           "✓ dL/db2 = -0.033  (equals dL/dz2, since dz2/db2 = 1)",
           "✓ dL/dw1 = -0.006 × 1.000 = -0.006",
           "✓ w2: 0.800 → 0.802",
       }) {
    EXPECT_NE(std::string::npos, output.text.find(line)) << line << "\n" << output.text;
  }
  EXPECT_NE(std::string::npos, output.text.find("Lesson 2 passed")) << output.text;
}

TEST(RunnerCommand, StubExitsOneWithNotImplemented) {
  fs::path workspace = scratch() / "workspace";
  fs::remove_all(workspace);
  CommandOutput output = run_runner("lesson 2 --workspace " + workspace.string());
  EXPECT_EQ(1, output.status) << output.text;
  EXPECT_NE(std::string::npos, output.text.find("not implemented yet")) << output.text;
  EXPECT_EQ(read_file(kLessonDir / "exercise.cpp"),
            read_file(workspace / "02-two-layer-network" / "exercise.cpp"));
}

TEST(RunnerCommand, WorkspaceFileIsNeverOverwritten) {
  fs::path workspace = scratch() / "kept-workspace";
  fs::remove_all(workspace);
  ASSERT_EQ(0, run_runner("init " + workspace.string()).status);
  std::ofstream(workspace / "02-two-layer-network" / "exercise.cpp") << read_file(kSolution);
  CommandOutput output = run_runner("lesson 2 --workspace " + workspace.string());
  EXPECT_EQ(0, output.status) << output.text;
  EXPECT_EQ(read_file(kSolution), read_file(workspace / "02-two-layer-network" / "exercise.cpp"));
}

TEST(RunnerCommand, MutationExitsOneAndNamesFirstWrongValue) {
  fs::path exercise = mutated_solution("command_sign", "g.dL_da2 = values.a2 - target;",
                                       "g.dL_da2 = target - values.a2;");
  CommandOutput output = run_runner("lesson 2 --exercise " + exercise.string());
  EXPECT_EQ(1, output.status) << output.text;
  EXPECT_NE(std::string::npos,
            output.text.find("First wrong value: dL/da2 (step 1, backward pass, case 'public')"))
      << output.text;
  EXPECT_NE(std::string::npos, output.text.find("you have 0.146, expected -0.146")) << output.text;
}

TEST(RunnerCommand, UnknownLessonExitsTwo) {
  CommandOutput output = run_runner("lesson 42");
  EXPECT_EQ(2, output.status);
  EXPECT_NE(std::string::npos, output.text.find("runner: error: no lesson 42 (the lessons are"))
      << output.text;
}

TEST(RunnerCommand, LessonThatIsNotANumberExitsTwo) {
  CommandOutput output = run_runner("lesson two");
  EXPECT_EQ(2, output.status);
  EXPECT_EQ("runner: error: lesson 'two' is not a number ('runner list' shows the lessons)\n",
            output.text);
}

TEST(RunnerCommand, MissingExerciseExitsTwo) {
  CommandOutput output = run_runner("lesson 2 --exercise /nonexistent/exercise.cpp");
  EXPECT_EQ(2, output.status);
  EXPECT_EQ("runner: error: exercise '/nonexistent/exercise.cpp' not found\n", output.text);
}

TEST(RunnerCommand, UnknownCommandSuggestsClosest) {
  CommandOutput output = run_runner("lessons 2");
  EXPECT_EQ(2, output.status);
  EXPECT_EQ(
      "runner: error: unknown command 'lessons' (did you mean 'lesson'?)\n"
      "run 'runner --help' for usage\n",
      output.text);
}

TEST(RunnerCommand, ExplainPrintsLessonText) {
  CommandOutput output = run_runner("explain 2");
  EXPECT_EQ(0, output.status);
  EXPECT_TRUE(output.text.starts_with("Lesson 2: The two-layer network\n\n")) << output.text;
  EXPECT_NE(std::string::npos, output.text.find("sigmoid'(z) = a * (1 - a)")) << output.text;
}

TEST(RunnerCommand, ListShowsLastOutcome) {
  fs::path workspace = scratch() / "list-workspace";
  fs::remove_all(workspace);
  run_runner("lesson 2 --workspace " + workspace.string());
  CommandOutput output = run_runner("list --plain --workspace " + workspace.string());
  EXPECT_EQ(0, output.status);
  EXPECT_NE(std::string::npos,
            output.text.find("  2  The two-layer network              XX not implemented yet\n"))
      << output.text;
}

TEST(RunnerCommand, HintsComeOneAtATime) {
  fs::path workspace = scratch() / "hint-workspace";
  fs::remove_all(workspace);
  CommandOutput first = run_runner("hint 2 --workspace " + workspace.string());
  EXPECT_EQ(0, first.status);
  EXPECT_NE(std::string::npos, first.text.find("Hint 1 of 4")) << first.text;
  CommandOutput second = run_runner("hint 2 --workspace " + workspace.string());
  EXPECT_NE(std::string::npos, second.text.find("Hint 2 of 4")) << second.text;
}

}  // namespace
}  // namespace gradlings::runner
