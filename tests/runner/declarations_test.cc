#include "runner/declarations.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace gradlings::runner {
namespace {

// Returns each function as "LINE SCOPE|TEXT", with D in front of a definition.
std::vector<std::string> described(const std::string& source) {
  std::vector<std::string> lines;
  for (const FunctionDeclaration& f : find_functions(source)) {
    lines.push_back((f.definition ? "D " : "") + std::to_string(f.line) + " " + f.scope + "|" +
                    f.name + "|" + f.text);
  }
  return lines;
}

TEST(FindFunctions, DeclarationsAndDefinitions) {
  std::string source =
      "// Runs forward(x) on the network.\n"
      "#include <vector>\n"
      "#define SQUARE(x) ((x) * (x))\n"
      "double loss(double prediction, double target);\n"
      "Gradients backward(const Network& network,  // the weights\n"
      "                   const std::vector<double>& target);\n"
      "double sigmoid(double z) {\n"
      "  double e = std::exp(-z);  /* not a declaration: f(int); */\n"
      "  return 1.0 / (1.0 + e);\n"
      "}\n";
  std::vector<std::string> expected = {
      "4 |loss|double loss(double prediction, double target);",
      "5 |backward|Gradients backward(const Network& network, const std::vector<double>& "
      "target);",
      "D 7 |sigmoid|double sigmoid(double z)",
  };
  EXPECT_EQ(expected, described(source));
}

TEST(FindFunctions, NamespacesAndQualifiers) {
  std::string source =
      "namespace gradlings::harness {\n"
      "template <class Stage>\n"
      "int run_stage(const char* name, Stage&& stage) { return stage(); }\n"
      "namespace {\n"
      "void helper();\n"
      "}  // namespace\n"
      "}  // namespace gradlings::harness\n"
      "double gradlings::loss(float p) { return p; }\n"
      "extern \"C\" {\n"
      "int c_function(int);\n"
      "}\n";
  std::vector<std::string> expected = {
      "D 2 gradlings::harness|run_stage|template <class Stage> int run_stage(const char* name, "
      "Stage&& stage)",
      "5 gradlings::harness::(anonymous namespace)|helper|void helper();",
      "D 8 gradlings|loss|double gradlings::loss(float p)",
      "10 |c_function|int c_function(int);",
  };
  EXPECT_EQ(expected, described(source));
}

TEST(FindFunctions, SkipsTypesVariablesAndBodies) {
  std::string source =
      "struct Params {\n"
      "  double w1 = 0;\n"
      "  double scaled(double factor) const;\n"
      "};\n"
      "enum class Activation { sigmoid, relu };\n"
      "using Vector = std::vector<double>;\n"
      "const double kScale = std::sqrt(2.0);\n"
      "auto square = [](double x) { return x * x; };\n"
      "Params start{0.5, 0.2};\n"
      "const char* kText = \"update(double);\";\n"
      "int digits = 1'000;\n"
      "char quote = '(';\n"
      "Params update(const Params& p) {\n"
      "  struct Local { int f(); };\n"
      "  return p;\n"
      "}\n";
  std::vector<std::string> expected = {"D 13 |update|Params update(const Params& p)"};
  EXPECT_EQ(expected, described(source));
}

TEST(FindFunctions, EmptyAndUnclosedSources) {
  EXPECT_TRUE(find_functions("").empty());
  std::vector<std::string> expected = {"D 1 |f|int f()"};
  EXPECT_EQ(expected, described("int f() {\n  if (true) {\n"));
  EXPECT_TRUE(find_functions("/* unclosed comment int f();").empty());
}

}  // namespace
}  // namespace gradlings::runner
