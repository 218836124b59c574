#include "runner/cache_files.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "runner/error.h"

namespace gradlings::runner {

namespace fs = std::filesystem;

namespace {

// A temporary file older than this was left by a runner that was killed, since
// no compile runs longer than compile_time_limit.
constexpr auto kStaleTemporaryAge = std::chrono::hours(1);

constexpr std::string_view kTemporaryPrefix = ".tmp-";

std::string not_writable_message(const fs::path& folder, const std::string& reason) {
  return fmt::format(
      "cache folder '{}' is not writable: {} (set XDG_CACHE_HOME to a writable "
      "folder)",
      folder.string(), reason);
}

std::string entry_name(const fs::path& file) {
  std::string name = file.filename().string();
  return name.substr(0, name.find('.'));
}

}  // namespace

fs::path temporary_path(const fs::path& folder, std::string_view suffix) {
  static std::atomic<unsigned> counter{0};
  static const std::uint64_t salt = std::random_device{}();
  return folder /
         fmt::format("{}{}-{:x}-{}{}", kTemporaryPrefix, ::getpid(), salt, counter++, suffix);
}

void create_cache_folder(const fs::path& folder) {
  std::error_code error;
  fs::create_directories(folder, error);
  if (error) {
    throw Error(
        fmt::format("cannot create cache folder '{}': {} (set XDG_CACHE_HOME to a "
                    "writable folder)",
                    folder.string(), error.message()));
  }
  if (::access(folder.c_str(), W_OK) != 0) {
    throw Error(not_writable_message(folder, std::strerror(errno)));
  }
}

void publish(const fs::path& temporary, const fs::path& target) {
  std::error_code error;
  fs::rename(temporary, target, error);
  if (error) {
    fs::remove(temporary, error);
    throw Error(not_writable_message(target.parent_path(), error.message()));
  }
}

void publish_once(const fs::path& temporary, const fs::path& target) {
  bool linked = ::link(temporary.c_str(), target.c_str()) == 0;
  int link_error = errno;
  std::error_code ignored;
  fs::remove(temporary, ignored);
  if (!linked && link_error != EEXIST) {
    throw Error(not_writable_message(target.parent_path(), std::strerror(link_error)));
  }
}

void write_file_atomically(const fs::path& file, std::string_view bytes) {
  fs::path temporary = temporary_path(file.parent_path(), ".txt");
  {
    std::ofstream out(temporary, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) {
      std::string reason = std::strerror(errno);
      std::error_code ignored;
      fs::remove(temporary, ignored);
      throw Error(not_writable_message(file.parent_path(), reason));
    }
  }
  publish(temporary, file);
}

void touch(const fs::path& file) {
  std::error_code ignored;
  fs::last_write_time(file, fs::file_time_type::clock::now(), ignored);
}

void prune_cache(const fs::path& folder, std::size_t keep) {
  std::map<std::string, std::vector<fs::path>> files_by_entry;
  std::map<std::string, fs::file_time_type> used_by_entry;
  auto stale_before = fs::file_time_type::clock::now() - kStaleTemporaryAge;
  std::error_code error;

  for (const fs::directory_entry& file : fs::directory_iterator(folder, error)) {
    fs::file_time_type used = file.last_write_time(error);
    if (error) {
      continue;  // deleted meanwhile by another runner
    }
    if (file.path().filename().string().starts_with(kTemporaryPrefix)) {
      if (used < stale_before) {
        fs::remove_all(file.path(), error);  // a confined compile's output folder too
      }
      continue;
    }
    std::string entry = entry_name(file.path());
    files_by_entry[entry].push_back(file.path());
    // No default value here: libstdc++'s file clock counts from 2174, so
    // file_time_type{} is later than any real modification time.
    auto slot = used_by_entry.try_emplace(entry, used).first;
    slot->second = std::max(slot->second, used);
  }
  if (files_by_entry.size() <= keep) {
    return;
  }

  std::vector<std::pair<fs::file_time_type, std::string>> by_use;
  for (const auto& [entry, used] : used_by_entry) {
    by_use.emplace_back(used, entry);
  }
  std::sort(by_use.begin(), by_use.end(), std::greater<>());
  for (std::size_t i = keep; i < by_use.size(); ++i) {
    for (const fs::path& file : files_by_entry[by_use[i].second]) {
      fs::remove(file, error);
    }
  }
}

}  // namespace gradlings::runner
