// The graded trace of a lesson: what the learner's code computed, line by
// line, each value checked against the reference. Graders build it; the
// reporter prints it. Nothing here depends on terminals.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "runner/channel.h"

namespace gradlings::runner {

/// One value the learner computed, and its verdict.
struct Check {
  enum class Style {
    equation,  // label = formula = value
    update,    // label: formula → value   (formula is the old value)
  };
  Style style = Style::equation;
  std::string label;             // "dL/dw2"
  std::string formula;           // "-0.033 × 0.668", from the learner's values; may be empty
  std::string expected_formula;  // the same formula with the reference's values; may be empty
  std::string note;              // "sigmoid derivative"; may be empty
  std::optional<double> actual;  // the learner's value; nullopt when the code never produced it
  double expected = 0;           // the reference engine's value
  std::string expected_source = "reference";  // what `expected` came from, for messages
  int decimals = 3;              // how the value is printed
  std::string actual_text;       // shown in place of `actual` when set, e.g. a status name
  std::string expected_text;     // shown in place of `expected` when set
  std::string diagnosis;         // the typical mistake the value matches, from diagnose(); empty
                                 // when it passed or the numbers single out no mistake
  bool passed = false;
};

/// A table cell: plain text, or a checked value printed with its mark.
struct Cell {
  std::string text;
  std::optional<Check> check;
};

/// A table such as a training log. A check in a cell counts towards
/// first_wrong only when the grader ran CaseGrader::evaluate() on it.
struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<Cell>> rows;
};

/// A line of the trace: a check, a table, or else plain text. Plain text may
/// hold a plot drawn with Unicode block characters; the reporter turns them
/// into ASCII for --plain.
struct TraceLine {
  std::string text;
  std::optional<Check> check;
  std::optional<Table> table;
};

struct Section {
  std::string heading;
  std::vector<TraceLine> lines;
};

/// The first check that failed, and where.
struct FirstWrong {
  std::string where;  // "step 1, backward pass"
  Check check;
};

struct CaseTrace {
  std::string name;     // "public", "hidden 3"
  bool hidden = false;
  std::string setup;    // "x = 1.0, target = 0.8, 3 steps, learning rate 0.1"
  std::vector<Section> sections;
  bool passed = true;
  std::optional<FirstWrong> first_wrong;
  std::optional<StageStop> stop;  // the case stopped early: not implemented, or threw
};

}  // namespace gradlings::runner
