// Finding the functions that a C++ source file declares or defines at
// namespace scope, so that a compile or link error can quote both the lesson
// header's declaration and the learner's definition of a function.
#pragma once

#include <string>
#include <vector>

namespace gradlings::runner {

/// A function declared or defined at namespace scope (not inside a class or
/// a function body).
struct FunctionDeclaration {
  std::string name;   // unqualified: "backward"
  std::string scope;  // the enclosing namespaces and any qualifier: "gradlings::harness"; "" is global
  std::string text;   // as written, without comments and with whitespace collapsed; a declaration
                      // ends with its ';', a definition stops before its '{'
  int line = 0;       // 1-based line of its first token
  bool definition = false;
};

/// Returns every function that `source` declares or defines at namespace
/// scope, in the order of the file. Comments, string and character literals
/// and preprocessor lines are skipped, and an anonymous namespace is named
/// "(anonymous namespace)" in `scope`, as g++ names it.
/// NOTE: this is a scanner, not a parser. Raw string literals, a return type
/// written with decltype(...) and macros that expand to declarations are not
/// understood, and such a function may be missed or misnamed.
std::vector<FunctionDeclaration> find_functions(const std::string& source);

}  // namespace gradlings::runner
