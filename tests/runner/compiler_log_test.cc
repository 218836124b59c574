// The compiler's log as the report shows it to a learner. The first tests
// parse logs in g++'s format. The rest compile real exercises and check the
// first error in the learner's file and each lesson function that is
// missing or differs from its header.
// NOTE: the expected reports are g++ 12's wording, columns and carets, and
// ld's format of undefined references. Another compiler needs them updated.
#include "runner/compiler_log.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "runner/check.h"
#include "runner/lesson.h"
#include "runner/report.h"
#include "tests/runner/lesson_support.h"

namespace gradlings::runner {
namespace {

using namespace lesson_support;

std::string location(const SourceLocation& at) {
  return at.file + ":" + std::to_string(at.line) + ":" + std::to_string(at.column);
}

// A log as g++ 12 writes it in a UTF-8 locale, with an error in the
// exercise, then an error in a system header that a line of it instantiates.
const std::string kUtf8Log =
    "/w/ex.cpp: In function ‘double loss(double, double)’:\n"
    "/w/ex.cpp:19:7: error: ambiguating new declaration of ‘float loss(double, double)’\n"
    "   19 | float loss(double prediction, double target) {\n"
    "      |       ^~~~\n"
    "In file included from /w/ex.cpp:4:\n"
    "/h/two_layer_network.h:49:8: note: old declaration ‘double loss(double, double)’\n"
    "   49 | double loss(double prediction, double target);\n"
    "      |        ^~~~\n"
    "In file included from /usr/include/c++/12/algorithm:61,\n"
    "                 from /w/ex.cpp:2:\n"
    "/usr/include/c++/12/bits/stl_algo.h: In instantiation of ‘void f()’:\n"
    "/w/ex.cpp:30:12:   required from here\n"
    "/usr/include/c++/12/bits/stl_algo.h:1850:3: error: no match for ‘operator<’\n"
    " 1850 |   if (a < b)   \n"
    "cc1plus: some warnings being treated as errors\n";

TEST(ParseDiagnostics, ErrorsNotesAndTheirContext) {
  std::vector<Diagnostic> diagnostics = parse_diagnostics(kUtf8Log);
  ASSERT_EQ(3u, diagnostics.size());

  const Diagnostic& first = diagnostics[0];
  EXPECT_EQ("/w/ex.cpp:19:7", location(first.where));
  EXPECT_EQ("error", first.severity);
  EXPECT_EQ("ambiguating new declaration of 'float loss(double, double)'", first.message);
  std::vector<std::string> source = {"   19 | float loss(double prediction, double target) {",
                                     "      |       ^~~~"};
  EXPECT_EQ(source, first.source);
  EXPECT_TRUE(first.included_from.empty());

  const Diagnostic& note = diagnostics[1];
  EXPECT_EQ("note", note.severity);
  ASSERT_EQ(1u, note.included_from.size());
  EXPECT_EQ("/w/ex.cpp:4:0", location(note.included_from[0]));

  const Diagnostic& header = diagnostics[2];
  EXPECT_EQ("/usr/include/c++/12/bits/stl_algo.h:1850:3", location(header.where));
  EXPECT_EQ("no match for 'operator<'", header.message);
  ASSERT_EQ(2u, header.included_from.size());
  EXPECT_EQ("/usr/include/c++/12/algorithm:61:0", location(header.included_from[0]));
  EXPECT_EQ("/w/ex.cpp:2:0", location(header.included_from[1]));
  ASSERT_EQ(1u, header.instantiated_from.size());
  EXPECT_EQ("/w/ex.cpp:30:12", location(header.instantiated_from[0]));
  EXPECT_EQ(std::vector<std::string>{" 1850 |   if (a < b)"}, header.source);
}

TEST(ParseDiagnostics, ToolMessagesAndCLocaleQuotes) {
  std::vector<Diagnostic> diagnostics = parse_diagnostics(
      "ex.cpp:3:1: warning: unused variable 'x' [-Wunused-variable]\n"
      "cc1plus: fatal error: ex.cpp: No such file or directory\n");
  ASSERT_EQ(2u, diagnostics.size());
  EXPECT_EQ("ex.cpp:3:1", location(diagnostics[0].where));
  EXPECT_EQ("unused variable 'x' [-Wunused-variable]", diagnostics[0].message);
  EXPECT_EQ("cc1plus:0:0", location(diagnostics[1].where));
  EXPECT_EQ("fatal error", diagnostics[1].severity);
  EXPECT_EQ("ex.cpp: No such file or directory", diagnostics[1].message);
}

TEST(UndefinedReferences, EachSymbolOnceInOrder) {
  std::string log =
      "/usr/bin/ld: h.o: in function `(anonymous namespace)::train(Case const&)':\n"
      "main.cpp:(.text+0x12d7): undefined reference to `backward(Params const&, double)'\n"
      "main.cpp:(.text+0x27d8): undefined reference to `backward(Params const&, double)'\n"
      "main.cpp:(.text+0x2900): undefined reference to ‘update(Params const&)’\n"
      "collect2: error: ld returned 1 exit status\n";
  std::vector<std::string> expected = {"backward(Params const&, double)", "update(Params const&)"};
  EXPECT_EQ(expected, undefined_references(log));
  EXPECT_TRUE(undefined_references("ex.cpp:1:1: error: 'x' was not declared\n").empty());
}

CompilerLogContext context_without_files() {
  return {"/nonexistent/ex.cpp", "ex.cpp", "/nonexistent/harness/main.cpp"};
}

TEST(SummarizeCompilerLog, UnknownLogShownFromItsStart) {
  std::string log = "\ncompiler stopped after 60000 ms (compile_time_limit)\n";
  CompilerLogSummary summary = summarize_compiler_log(log, context_without_files(), false);
  std::vector<std::string> expected = {"compiler stopped after 60000 ms (compile_time_limit)"};
  EXPECT_EQ(expected, summary.lines);
  EXPECT_TRUE(summary.functions.empty());
}

TEST(SummarizeCompilerLog, LongUnknownLogIsCut) {
  std::string log;
  for (int i = 1; i <= 32; ++i) {
    log += "line " + std::to_string(i) + "\n";
  }
  CompilerLogSummary summary = summarize_compiler_log(log, context_without_files(), false);
  ASSERT_EQ(31u, summary.lines.size());
  EXPECT_EQ("line 30", summary.lines[29]);
  EXPECT_EQ("2 more lines follow in the full log, which --verbose shows.", summary.lines[30]);
}

TEST(SummarizeCompilerLog, WarningsOutsideExerciseAreLeftOut) {
  std::string log =
      "/usr/include/x.h:3:1: warning: unused variable 'x' [-Wunused-variable]\n"
      "    3 | int x;\n";
  EXPECT_TRUE(summarize_compiler_log(log, context_without_files(), true).lines.empty());
}

TEST(SummarizeCompilerLog, ErrorsCountedBeyondTheFirst) {
  std::string log =
      "/nonexistent/ex.cpp:3:1: error: 'x' was not declared in this scope\n"
      "    3 | x = 1;\n"
      "      | ^\n"
      "/nonexistent/ex.cpp:4:1: error: 'y' was not declared in this scope\n"
      "/nonexistent/ex.cpp:5:1: error: 'z' was not declared in this scope\n";
  std::vector<std::string> expected = {
      "ex.cpp:3:1: error: 'x' was not declared in this scope", "    3 | x = 1;", "      | ^",
      "2 more errors follow in the full log, which --verbose shows."};
  EXPECT_EQ(expected, summarize_compiler_log(log, context_without_files(), false).lines);
}

// End to end: a solution with one mistake, compiled as `runner lesson N` does.

struct Checked {
  LessonResult result;
  std::string after_header;  // the report without its first two lines and the blank line
};

Checked check_mutation(const std::string& lesson_slug, const std::string& name,
                       const std::vector<Replacement>& replacements) {
  fs::path scratch = scratch_dir("compiler-log-test");
  fs::path exercise = write_mutated_copy(kRoot / "solutions" / lesson_slug / "exercise.cpp",
                                         scratch, name, replacements);
  Lesson lesson = load_lesson(kRoot / "lessons" / lesson_slug);
  Checked checked;
  checked.result = check_exercise(lesson, exercise, scratch);
  std::string report = render_result(lesson, name + ".cpp", checked.result, ReportStyle{});
  checked.after_header = report.substr(report.find("\n\n") + 2);
  return checked;
}

const std::string kTwoLayer = "02-two-layer-network";

TEST(CompileError, SyntaxErrorShowsFirstWithCaret) {
  Checked checked =
      check_mutation(kTwoLayer, "syntax_error",
                     {{"  values.a1 = sigmoid(values.z1);", "  values.a1 = sigmoid(values.z1)"},
                      {"  g.dL_db1 = g.dL_dz1;", "  g.dL_db1 = g.dL_dz1 +;"}});
  EXPECT_EQ(Outcome::compile_error, checked.result.outcome);
  EXPECT_EQ(
      "  syntax_error.cpp:13:33: error: expected ';' before 'values'\n"
      "     13 |   values.a1 = sigmoid(values.z1)\n"
      "        |                                 ^\n"
      "        |                                 ;\n"
      "     14 |   values.z2 = params.w2 * values.a1 + params.b2;\n"
      "        |   ~~~~~~\n"
      "  1 more error follows in the full log, which --verbose shows.\n"
      "\n"
      "✗ syntax_error.cpp does not compile. Fix the first error above and run again.\n"
      "  Stuck? 'runner hint 2' shows a hint.\n",
      checked.after_header);
}

// A switch that returns in every case still needs a return after it, which
// surprises many learners, so the summary explains it.
TEST(CompileError, MissingReturnAfterSwitchExplained) {
  Checked checked = check_mutation("01-chain-rule", "switch_without_return",
                                   {{"  return 0.0;  // not reached: the switch covers every Function\n",
                                     ""}});
  EXPECT_EQ(Outcome::compile_error, checked.result.outcome);
  EXPECT_NE(std::string::npos,
            checked.after_header.find(
                "  switch_without_return.cpp:44:1: error: control reaches end of non-void function "
                "[-Werror=return-type]\n"))
      << checked.after_header;
  EXPECT_NE(std::string::npos,
            checked.after_header.find(
                "  A path through this function ends without a return. After a switch or an "
                "if-else chain that covers every case, add a return (or a throw) anyway: the "
                "compiler cannot tell that the cases are exhaustive.\n"))
      << checked.after_header;
}

TEST(CompileError, HeaderErrorShownAtIncludeLine) {
  Checked checked = check_mutation(kTwoLayer, "unfinished_declaration",
                                   {{"#include <cmath>\n", "#include <cmath>\ndouble helper(double z)\n"}});
  EXPECT_EQ(Outcome::compile_error, checked.result.outcome);
  EXPECT_EQ(
      "  unfinished_declaration.cpp:5: error: expected initializer before 'namespace'\n"
      "      5 | #include \"two_layer_network.h\"\n"
      "  The compiler found it inside the lesson header 'gradlings.h', which this line "
      "includes.\n"
      "  Look just above this line for a declaration without its ';' or a '{' that is never "
      "closed.\n"
      "  1 more error follows in the full log, which --verbose shows.\n"
      "\n"
      "✗ unfinished_declaration.cpp does not compile. Fix the first error above and run again.\n"
      "  Stuck? 'runner hint 2' shows a hint.\n",
      checked.after_header);
}

TEST(CompileError, MissingFunctionQuotesDeclaration) {
  Checked checked = check_mutation(
      kTwoLayer, "missing_function",
      {{"Gradients backward(const Params& params,", "Gradients backward_pass(const Params& params,"}});
  EXPECT_EQ(Outcome::compile_error, checked.result.outcome);
  EXPECT_EQ(
      "  The linker found no definition of backward(Params const&, Forward const&, double, "
      "double).\n"
      "    two_layer_network.h:53 declares:\n"
      "      Gradients backward(const Params& params, const Forward& values, double x, double "
      "target);\n"
      "    missing_function.cpp defines no function named backward.\n"
      "\n"
      "✗ missing_function.cpp does not compile: it does not define backward(), which the lesson "
      "header declares.\n"
      "  Write it with the declaration shown above and run again.\n"
      "  Stuck? 'runner hint 2' shows a hint.\n",
      checked.after_header);
}

TEST(CompileError, ParameterTypeMismatchAtLinkTime) {
  Checked checked = check_mutation(kTwoLayer, "parameter_mismatch",
                                   {{"const Forward& values, double x, double target) {",
                                     "const Forward& values, double x, float target) {"}});
  EXPECT_EQ(Outcome::compile_error, checked.result.outcome);
  EXPECT_EQ(
      "  The linker found no definition of backward(Params const&, Forward const&, double, "
      "double).\n"
      "    two_layer_network.h:53 declares:\n"
      "      Gradients backward(const Params& params, const Forward& values, double x, double "
      "target);\n"
      "    parameter_mismatch.cpp:24 defines:\n"
      "      Gradients backward(const Params& params, const Forward& values, double x, float "
      "target)\n"
      "\n"
      "✗ parameter_mismatch.cpp does not compile: its backward() differs from the lesson "
      "header's declaration.\n"
      "  Make the parameter and return types match the declaration above and run again.\n"
      "  Stuck? 'runner hint 2' shows a hint.\n",
      checked.after_header);
}

TEST(CompileError, FunctionsInNamespaceAreNamed) {
  Checked checked = check_mutation(kTwoLayer, "in_namespace",
                                   {{"double sigmoid(double z) {", "namespace mine {\ndouble sigmoid(double z) {"},
                                    {"Gradients backward(", "}  // namespace mine\nGradients backward("}});
  EXPECT_EQ(Outcome::compile_error, checked.result.outcome);
  EXPECT_EQ(
      "  The linker found no definition of forward(Params const&, double).\n"
      "    two_layer_network.h:47 declares:\n"
      "      Forward forward(const Params& params, double x);\n"
      "    in_namespace.cpp:11 defines, inside namespace 'mine':\n"
      "      Forward forward(const Params& params, double x)\n"
      "\n"
      "  The linker found no definition of loss(double, double).\n"
      "    two_layer_network.h:50 declares:\n"
      "      double loss(double prediction, double target);\n"
      "    in_namespace.cpp:20 defines, inside namespace 'mine':\n"
      "      double loss(double prediction, double target)\n"
      "\n"
      "✗ in_namespace.cpp does not compile: forward() and loss() are missing or differ from the "
      "lesson header.\n"
      "  Make each match its declaration above and run again.\n"
      "  Stuck? 'runner hint 2' shows a hint.\n",
      checked.after_header);
}

TEST(CompileError, OverloadMismatchInNetworkLesson) {
  Checked checked = check_mutation("03-xor", "overload_mismatch",
                                   {{"                   const std::vector<double>& target) {",
                                     "                   std::vector<double> target) {"}});
  EXPECT_EQ(Outcome::compile_error, checked.result.outcome);
  EXPECT_EQ(
      "  overload_mismatch.cpp:107:35: error: call of overloaded 'backward(Network&, "
      "ForwardPass&, const std::vector<double>&)' is ambiguous\n"
      "    107 |     Gradients gradients = backward(network, pass, sample.target);\n"
      "        |                           ~~~~~~~~^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n"
      "    network.h:113 declares:\n"
      "      Gradients backward(const Network& network, const ForwardPass& pass, const "
      "std::vector<double>& target);\n"
      "    overload_mismatch.cpp:44 defines:\n"
      "      Gradients backward(const Network& network, const ForwardPass& pass, "
      "std::vector<double> target)\n"
      "\n"
      "✗ overload_mismatch.cpp does not compile: its backward() differs from the lesson header's "
      "declaration.\n"
      "  Make the parameter and return types match the declaration above and run again.\n"
      "  Stuck? 'runner hint 3' shows a hint.\n",
      checked.after_header);
}

TEST(CompileError, ReturnTypeMismatchInDescentLesson) {
  Checked checked = check_mutation("04-gradient-descent", "return_mismatch",
                                   {{"double update(double gradient, double learning_rate) {",
                                     "float update(double gradient, double learning_rate) {"}});
  EXPECT_EQ(Outcome::compile_error, checked.result.outcome);
  EXPECT_EQ(
      "  return_mismatch.cpp:13:7: error: ambiguating new declaration of 'float update(double, "
      "double)'\n"
      "     13 | float update(double gradient, double learning_rate) {\n"
      "        |       ^~~~~~\n"
      "    gradient_descent.h:40 declares:\n"
      "      double update(double gradient, double learning_rate);\n"
      "    return_mismatch.cpp:13 defines:\n"
      "      float update(double gradient, double learning_rate)\n"
      "\n"
      "✗ return_mismatch.cpp does not compile: its update() differs from the lesson header's "
      "declaration.\n"
      "  Make the parameter and return types match the declaration above and run again.\n"
      "  Stuck? 'runner hint 4' shows a hint.\n",
      checked.after_header);
}

TEST(CompileWarning, FirstWarningShownAndOthersCounted) {
  Checked checked = check_mutation(
      kTwoLayer, "unused_variables",
      {{"  double error = prediction - target;",
        "  int unused = 0;\n  int also_unused = 1;\n  double error = prediction - target;"}});
  EXPECT_EQ(Outcome::passed, checked.result.outcome);
  std::string block = checked.after_header.substr(0, checked.after_header.find("Case 'public'"));
  EXPECT_EQ(
      "The compiler warns (a warning often points at the mistake):\n"
      "  unused_variables.cpp:20:7: warning: unused variable 'unused' [-Wunused-variable]\n"
      "     20 |   int unused = 0;\n"
      "        |       ^~~~~~\n"
      "  1 more warning follows in the full log, which --verbose shows.\n"
      "\n",
      block);
}

TEST(CompileError, VerboseShowsWholeLog) {
  fs::path scratch = scratch_dir("compiler-log-test");
  fs::path exercise =
      write_mutated_copy(kRoot / "solutions" / kTwoLayer / "exercise.cpp", scratch, "verbose",
                         {{"double loss(double prediction, double target) {",
                           "float loss(double prediction, double target) {"}});
  LessonResult result = check_exercise(load_lesson(kRoot / "lessons" / kTwoLayer), exercise, scratch);
  ASSERT_NE(std::string::npos, result.compiler_log.find("note: old declaration"));

  std::string whole_log;
  std::istringstream lines(result.compiler_log);
  for (std::string line; std::getline(lines, line);) {
    whole_log += "  " + line + "\n";
  }
  CommandOutput output = run_runner("lesson 2 --verbose --exercise " + exercise.string());
  EXPECT_EQ(1, output.status);
  EXPECT_NE(std::string::npos, output.text.find("\n\n" + whole_log + "\n✗ ")) << output.text;

  CommandOutput short_output = run_runner("lesson 2 --exercise " + exercise.string());
  EXPECT_EQ(std::string::npos, short_output.text.find("note: old declaration")) << short_output.text;
}

}  // namespace
}  // namespace gradlings::runner
