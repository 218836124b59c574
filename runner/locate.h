// Lookup of the lessons and the learner's workspace from any folder. The
// lessons sit beside the installed binary or in the source tree. The
// workspace is found the way git finds its repository: by walking up from the
// current folder.
#pragma once

#include <filesystem>
#include <string>

namespace gradlings::runner {

/// The file that marks a folder as a workspace. It also contains the
/// progress, so copying it to another machine copies the progress.
inline constexpr const char* kWorkspaceMarker = "gradlings.json";

/// Returns the folder that contains lessons/ and solutions/. The first that
/// exists of: $GRADLINGS_ROOT; <folder of the executable>/../share/gradlings,
/// where `cmake --install` puts them; `source_dir`, the checkout the binary
/// was built from. `executable` is the running binary's path.
///
/// Throws Error when none of them has a lessons folder, or when
/// $GRADLINGS_ROOT is set and has none.
std::filesystem::path find_data_root(const std::filesystem::path& executable,
                                     const std::filesystem::path& source_dir);

/// Returns the workspace for a command run in `start`. That is the nearest
/// folder, from `start` up to the file system's root, that contains the
/// marker file. When a gradlings checkout (a folder with lessons/ and
/// runner/main.cc) comes first, it is that checkout's workspace/ folder.
///
/// Throws Error when neither is found, saying how to create a workspace.
std::filesystem::path find_workspace(const std::filesystem::path& start);

/// Returns whether `dir` is a workspace: it contains the marker file.
bool is_workspace(const std::filesystem::path& dir);

}  // namespace gradlings::runner
