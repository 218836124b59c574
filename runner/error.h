#pragma once

#include <stdexcept>
#include <string>

namespace gradlings::runner {

/// A problem the person at the terminal can fix: a bad command line, a lesson
/// file that does not load, a compiler that cannot be started. The message is
/// lowercase, quotes the offending value and tells what to do. Only the command
/// line front end catches it and prints it.
///
/// A learner's program that fails to compile, crashes or prints a wrong value
/// is not an Error: those are verdicts, returned as values.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace gradlings::runner
