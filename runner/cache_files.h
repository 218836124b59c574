// File operations of the build cache. Every write goes to a temporary file in
// the target's folder and is renamed into place, so that two runners sharing
// a cache never see a half-written file.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string_view>

namespace gradlings::runner {

/// Returns a fresh path in `folder` for a temporary file ending in `suffix`.
/// Its name starts with ".tmp-", which prune_cache() recognises.
std::filesystem::path temporary_path(const std::filesystem::path& folder, std::string_view suffix);

/// Creates `folder` when missing and checks that files can be created in it.
/// Throws Error naming the folder and XDG_CACHE_HOME otherwise.
void create_cache_folder(const std::filesystem::path& folder);

/// Moves a finished temporary file to `target`. rename() replaces the target
/// in one step, so a concurrent reader never sees a partial file. Throws Error
/// when the rename fails.
void publish(const std::filesystem::path& temporary, const std::filesystem::path& target);

/// Moves a finished temporary file to `target` unless `target` exists, in
/// which case the temporary file is deleted. For cache entries named by the
/// hash of their inputs, whose content is the same for every builder: an
/// entry is never replaced, so a process that opened it keeps the same file.
/// Throws Error when the move fails for another reason.
void publish_once(const std::filesystem::path& temporary, const std::filesystem::path& target);

/// Writes `bytes` to `file` through a temporary file and publish(). Throws
/// Error when the folder is not writable.
void write_file_atomically(const std::filesystem::path& file, std::string_view bytes);

/// Marks a cache entry as just used, for pruning. A read-only cache is still
/// usable for hits, so a failure is ignored.
void touch(const std::filesystem::path& file);

/// Keeps the `keep` most recently used entries in `folder` and deletes the
/// rest, plus temporary files older than an hour. An entry is every file
/// whose name starts with the same key, and its time is the newest
/// modification time among them.
void prune_cache(const std::filesystem::path& folder, std::size_t keep);

}  // namespace gradlings::runner
