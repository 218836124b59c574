// Small string helpers shared by the loader and the command line.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
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

}  // namespace gradlings::runner
