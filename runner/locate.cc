#include "runner/locate.h"

#include <fmt/format.h>

#include <cstdlib>

#include "runner/error.h"

namespace gradlings::runner {

namespace fs = std::filesystem;

namespace {

bool has_lessons(const fs::path& dir) {
  std::error_code error;
  return fs::is_directory(dir / "lessons", error);
}

bool is_checkout(const fs::path& dir) {
  std::error_code error;
  return fs::is_directory(dir / "lessons", error) &&
         fs::is_regular_file(dir / "runner" / "main.cc", error);
}

}  // namespace

fs::path find_data_root(const fs::path& executable, const fs::path& source_dir) {
  const char* from_env = std::getenv("GRADLINGS_ROOT");
  if (from_env && *from_env) {
    if (!has_lessons(from_env)) {
      throw Error(
          fmt::format("GRADLINGS_ROOT '{}' has no lessons folder (unset it, or point it "
                      "at a gradlings checkout or share/gradlings folder)",
                      from_env));
    }
    return from_env;
  }

  fs::path installed = executable.parent_path().parent_path() / "share" / "gradlings";
  if (has_lessons(installed)) {
    return installed;
  }
  if (has_lessons(source_dir)) {
    return source_dir;
  }
  throw Error(
      fmt::format("no lessons found in '{}' or '{}' (reinstall gradlings, or set "
                  "GRADLINGS_ROOT to a gradlings checkout)",
                  installed.string(), source_dir.string()));
}

bool is_workspace(const fs::path& dir) {
  std::error_code error;
  return fs::is_regular_file(dir / kWorkspaceMarker, error);
}

fs::path find_workspace(const fs::path& start) {
  std::error_code error;
  fs::path dir = fs::absolute(start, error).lexically_normal();
  if (error) {
    dir = start;
  }
  while (true) {
    if (is_workspace(dir)) {
      return dir;
    }
    if (is_checkout(dir)) {
      return dir / "workspace";
    }
    if (dir == dir.root_path() || dir.parent_path() == dir) {
      break;
    }
    dir = dir.parent_path();
  }
  throw Error(
      fmt::format("no gradlings workspace in '{}' or any folder above it (run 'runner "
                  "init' to create one, or 'cd' into yours)",
                  fs::absolute(start, error).string()));
}

}  // namespace gradlings::runner
