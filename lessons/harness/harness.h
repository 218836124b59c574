// Shared by every harness main: calling the learner's functions one stage at
// a time, so that a stage that is not written or that throws is reported
// through the channel instead of ending the program. Included only by
// harness sources, never by exercises.
#pragma once

#include <cstdio>
#include <exception>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "channel.h"
#include "gradlings.h"

namespace gradlings::harness {

enum class StageResult { completed, missing, threw };

// Thrown by a harness, not by the learner, when a learner's function returns
// something unusable, such as a list of the wrong length. The runner shows
// its message as it is, not as an exception the learner's code threw.
struct InvalidResult : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Runs one stage of the learner's code and flushes the channel. A stage that
// throws is recorded as `missing STAGE FUNCTION` for NotImplemented, as
// `invalid STAGE TEXT` for InvalidResult and as `exception STAGE TEXT` for
// anything else.
template <class Stage>
StageResult run_stage(const char* name, Stage&& stage) {
  StageResult result = StageResult::threw;
  try {
    stage();
    result = StageResult::completed;
  } catch (const NotImplemented& missing) {
    channel::record("missing", std::string(name) + " " + missing.function);
    result = StageResult::missing;
  } catch (const InvalidResult& error) {
    channel::record("invalid", std::string(name) + " " + error.what());
  } catch (const std::exception& error) {
    channel::record("exception", std::string(name) + " " + error.what());
  } catch (...) {
    channel::record("exception", std::string(name) + " (not a std::exception)");
  }
  channel::flush();
  return result;
}

// Runs `run_case` on each case in order, then writes the `end` record, and
// returns main()'s exit status. A missing function stops every case at the
// same place, so the first one is enough: after it, `probe` is called with
// that case to list the other missing functions.
template <class Case, class RunCase, class Probe>
int run_cases(const std::vector<Case>& cases, RunCase run_case, Probe probe) {
  for (const Case& c : cases) {
    if (run_case(c) == StageResult::missing) {
      channel::record("probe");
      probe(c);
      break;
    }
  }
  channel::record("end");
  channel::flush();
  return 0;
}

// Returns the lines of standard input, then points standard input at
// /dev/null, so learner code that reads it gets end of file at once.
inline std::vector<std::string> read_input_lines() {
  std::vector<std::string> lines;
  for (std::string line; std::getline(std::cin, line);) {
    lines.push_back(line);
  }
  if (!std::freopen("/dev/null", "r", stdin)) {
    channel::record("exception", "harness cannot reopen stdin");
  }
  std::cin.clear();
  return lines;
}

}  // namespace gradlings::harness
