#include "runner/durable_files.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "runner/error.h"
#include "runner/yaml_doc.h"

namespace gradlings::runner {

namespace fs = std::filesystem;

namespace {

// Returns whether `name` is that of a temporary file of write_durably(),
// which appends ".tmp-" and the process id to the final name. A name with
// ".tmp-" elsewhere, such as the state file of a student whose id contains
// it, is not one.
bool is_leftover(const std::string& name) {
  constexpr std::string_view kMarker = ".tmp-";
  std::size_t at = name.rfind(kMarker);
  if (at == std::string::npos || at == 0 || at + kMarker.size() == name.size()) {
    return false;
  }
  return std::all_of(name.begin() + static_cast<std::ptrdiff_t>(at + kMarker.size()), name.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

void sync_folder(const fs::path& folder) {
  int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

void write_durably(const fs::path& file, std::string_view bytes) {
  fs::path temporary = file;
  temporary += fmt::format(".tmp-{}", ::getpid());
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw Error(fmt::format("cannot write '{}': {}", display_path(file), std::strerror(errno)));
  }

  std::size_t written = 0;
  while (written < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      std::string reason = std::strerror(errno);
      ::close(fd);
      ::unlink(temporary.c_str());
      throw Error(fmt::format("cannot write '{}': {}", display_path(file), reason));
    }
    written += static_cast<std::size_t>(n);
  }

  // The descriptor is closed even when fsync fails, so a failed write does
  // not leak it.
  int sync_status = ::fsync(fd);
  int sync_errno = errno;
  if (::close(fd) != 0 || sync_status != 0) {
    std::string reason = std::strerror(sync_status != 0 ? sync_errno : errno);
    ::unlink(temporary.c_str());
    throw Error(fmt::format("cannot write '{}': {}", display_path(file), reason));
  }

  if (::rename(temporary.c_str(), file.c_str()) != 0) {
    std::string reason = std::strerror(errno);
    ::unlink(temporary.c_str());
    throw Error(fmt::format("cannot write '{}': {}", display_path(file), reason));
  }
  sync_folder(file.parent_path());
}

void remove_leftovers(const fs::path& folder) {
  std::error_code error;
  for (const fs::directory_entry& entry : fs::directory_iterator(folder, error)) {
    if (is_leftover(entry.path().filename().string())) {
      std::error_code ignored;
      fs::remove(entry.path(), ignored);
    }
  }
}

void make_private_folder(const fs::path& folder) {
  std::error_code error;
  fs::create_directories(folder, error);
  if (error || !fs::is_directory(folder)) {
    throw Error(fmt::format("cannot create the folder '{}': {}", display_path(folder),
                            error ? error.message() : "a file of that name is in the way"));
  }
  fs::permissions(folder, fs::perms::owner_all, error);
}

}  // namespace gradlings::runner
