// Files of a results folder that must survive the process being killed at
// any moment: each is complete and on disk, or absent, never half written.
#pragma once

#include <filesystem>
#include <string_view>

namespace gradlings::runner {

/// Writes `bytes` to `file` through a temporary file beside it, flushes both
/// to disk and renames the temporary file into place. Throws Error naming the
/// file and the system's reason when any step fails.
void write_durably(const std::filesystem::path& file, std::string_view bytes);

/// Deletes the temporary files in `folder` that write_durably() leaves when
/// the process is killed between writing and renaming: those named
/// NAME.tmp-PID, with PID all digits.
void remove_leftovers(const std::filesystem::path& folder);

/// Creates `folder` and its missing parents, and makes `folder` itself readable
/// by its owner only (the parents keep the default mode).
/// Throws Error naming the folder when it cannot be created.
void make_private_folder(const std::filesystem::path& folder);

}  // namespace gradlings::runner
