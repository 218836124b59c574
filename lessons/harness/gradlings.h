// Shared by every exercise: the way to mark a function as not written yet.
// Exercises include only the standard library and their lesson's header,
// so they compile in a fraction of a second.
#pragma once

namespace gradlings {

// Thrown by not_implemented(). The harness catches it and the runner reports
// the function as "not implemented yet" instead of as a crash. It stores a
// plain pointer, not a std::string, because <string> alone would add about
// 0.15 s to every compile of an exercise (g++ 12).
struct NotImplemented {
  const char* function;  // the calling function's name; static storage
};

// Marks the function that calls it as still to be written. Delete the call
// once you have written the body. The default argument is evaluated where
// the call is, so it names the caller. __builtin_FUNCTION() is what
// std::source_location uses inside, and clang 14, which Debian 12's clangd
// is built on, cannot compile <source_location> with g++ 12's library.
[[noreturn]] inline void not_implemented(const char* function = __builtin_FUNCTION()) {
  throw NotImplemented{function};
}

}  // namespace gradlings

using gradlings::not_implemented;
