// The runner side of the channel: parsing the records a lesson harness writes
// to file descriptor 3 (the format is described in lessons/harness/channel.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gradlings::runner {

/// The values the learner's code produced in one training step, in order.
struct StepValues {
  int step = 0;
  std::vector<std::pair<std::string, double>> values;

  /// Returns the value named `name`, or nullopt when the step has none.
  std::optional<double> find(std::string_view name) const;
};

/// The reason a case stopped before its last step.
struct StageStop {
  enum class Reason { missing, threw, invalid };
  Reason reason = Reason::missing;
  std::string stage;   // "forward", "loss", "backward", "update"
  std::string detail;  // missing: the function not written; threw: what(); invalid: the problem
};

struct CaseRecords {
  int id = 0;                      // the index of the case in the harness input
  std::vector<StepValues> steps;
  std::optional<StageStop> stop;   // set when a stage did not complete
};

struct ChannelData {
  std::vector<CaseRecords> cases;
  std::vector<std::string> missing_functions;  // every function reported as not written, once each
  bool ended = false;                          // the harness reached its last record
  std::string malformed;  // non-empty: the first record that did not parse or repeated an earlier one
};

/// Parses everything the harness wrote. A record that does not parse, or that
/// repeats a case, step or value already reported, is not an error: it stops
/// the parse and is quoted in `malformed`.
ChannelData parse_channel(std::string_view text);

}  // namespace gradlings::runner
