// Small string helpers shared by the loader and the command line.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gradlings::runner {

/// The Levenshtein distance: how many single-character insertions, deletions
/// or substitutions turn `a` into `b`.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// Returns the candidate closest to `word`, or "" when none is close enough
/// to be a likely typo (more than a third of the word's letters differ).
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

/// Returns " (did you mean 'x'?)" for the closest candidate, or "".
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

/// Returns the number of terminal columns `text` takes: one per UTF-8 code
/// point, which holds for the characters the traces use.
std::size_t display_width(const std::string& text);

/// Replaces the Unicode symbols the traces use (✓ ✗ × − ² → │ ─ block
/// characters and a few more) and the quotes ‘ ’ of g++'s messages with
/// ASCII, for --plain.
std::string to_ascii(std::string text);

/// Returns `text` with to_ascii()'s replacements, the compiler's quotes
/// (‘ ’ “ ”) as ' and ", and every other non-ASCII character, or byte that is
/// not valid UTF-8, as '?'. The result contains only ASCII bytes.
std::string ascii_only(std::string text);

/// Returns `text` with U+FFFD in place of each byte that does not begin a
/// valid UTF-8 sequence: overlong forms, surrogates and code points above
/// U+10FFFF are invalid, and so is a sequence cut short. Valid text comes back
/// unchanged.
std::string replace_invalid_utf8(std::string_view text);

/// Returns the short name of a function as the compiler spells it:
/// "forward" for "Forward forward(const Params&, double)".
std::string short_function_name(const std::string& signature);

/// Formats `actual` and `expected` with the fewest decimals (at least
/// `min_decimals`) that tell them apart, so a ✗ never shows two
/// equal-looking numbers.
std::pair<std::string, std::string> distinguishable(double actual, double expected,
                                                    int min_decimals = 3);

}  // namespace gradlings::runner
