#include "runner/build.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <random>

#include "runner/cache_files.h"
#include "runner/error.h"
#include "runner/hash.h"
#include "runner/sandbox.h"

namespace gradlings::runner {

namespace fs = std::filesystem;

std::vector<std::string> compile_arguments(const BuildRequest& request) {
  std::vector<std::string> arguments = request.flags;
  for (const fs::path& folder : request.include_dirs) {
    arguments.push_back("-I" + folder.string());
  }
  return arguments;
}

namespace {

// Bump when the layout of the cache or the meaning of a key changes, so old
// entries are never mistaken for new ones.
constexpr std::string_view kCacheFormat = "gradlings-build-cache-v1";

// The compiler's output is kept whole up to this size. Beyond it the compiler
// is stopped, because output that long is a runaway error cascade.
constexpr std::size_t kMaxCompilerOutputBytes = 8 << 20;

// RLIMIT_AS for each compiler process, well above what cc1plus needs for an
// exercise and low enough to stop a runaway template expansion.
constexpr std::size_t kCompilerMemoryBytes = 4ull << 30;

// RLIMIT_FSIZE for a confined compile: far above an exercise's object file or
// executable (a few MB with debug information), so only a runaway write hits it.
constexpr std::size_t kCompilerFileSizeBytes = 512 << 20;

// RLIMIT_NOFILE for a confined compile; the linker opens every library at once.
constexpr std::size_t kCompilerOpenFiles = 1024;

bool is_executable_file(const fs::path& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
         ::access(path.c_str(), X_OK) == 0;
}

std::string shell_quote(const std::vector<std::string>& words) {
  std::string line;
  for (const std::string& word : words) {
    if (!line.empty()) {
      line += ' ';
    }
    bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("_-+=/.,:@%", c);
    });
    if (plain) {
      line += word;
      continue;
    }
    line += '\'';
    for (char c : word) {
      line += (c == '\'') ? std::string("'\\''") : std::string(1, c);
    }
    line += '\'';
  }
  return line;
}

// Adds the compiler's path and identity. The size and modification time stand
// in for its version, because reading them needs a stat and no process.
// NOTE: an upgrade that changes only cc1plus or the standard headers, not the
// driver binary, is not noticed. Clear the cache folder after such an upgrade.
void add_compiler(FieldHasher& key, const fs::path& compiler) {
  struct stat info {};
  if (::stat(compiler.c_str(), &info) != 0) {
    throw Error(
        fmt::format("cannot stat compiler '{}': {}", compiler.string(), std::strerror(errno)));
  }
  std::error_code ignored;
  key.add("compiler", compiler.string());
  key.add("compiler_target", fs::canonical(compiler, ignored).string());
  key.add("compiler_size", std::to_string(info.st_size));
  key.add("compiler_mtime", fmt::format("{}.{:09}", info.st_mtim.tv_sec, info.st_mtim.tv_nsec));
}

struct CacheKeys {
  std::string harness;   // the harness object file's key
  std::string exercise;  // the exercise build's key, which includes the harness key
};

// Hashes every input of the two compiles. The exercise key also covers the
// exercise's absolute path, because diagnostics and assert() messages show it.
// NOTE: a file beside the exercise that it includes with quotes is not part of
// the key. Lessons keep their headers in include_dirs.
CacheKeys compute_keys(const BuildRequest& request, const fs::path& compiler) {
  FieldHasher harness_key;
  harness_key.add("format", kCacheFormat);
  add_compiler(harness_key, compiler);
  for (const std::string& flag : request.flags) {
    harness_key.add("flag", flag);
  }
  for (const fs::path& folder : request.include_dirs) {
    std::error_code error;
    if (!fs::is_directory(folder, error)) {
      throw Error(fmt::format("include folder '{}' not found", folder.string()));
    }
    harness_key.add_folder("include_dir", folder);
  }
  harness_key.add("harness", fs::absolute(request.harness).string());
  harness_key.add_file("harness_bytes", request.harness);

  CacheKeys keys;
  keys.harness = harness_key.hex_digest();
  FieldHasher exercise_key;
  exercise_key.add("harness_key", keys.harness);
  exercise_key.add("exercise", fs::absolute(request.exercise).string());
  exercise_key.add_file("exercise_bytes", request.exercise);
  keys.exercise = exercise_key.hex_digest();
  return keys;
}

struct CompilerRun {
  bool ok = false;         // the compiler exited with status 0 and wrote the output
  bool cacheable = false;  // the outcome depends only on the inputs, not on limits
  bool cancelled = false;  // stopped through BuildRequest::cancel_fd
  std::string log;
  std::string command;
};

CompilerRun run_compiler(const fs::path& compiler, const std::vector<std::string>& arguments,
                         const fs::path& output, const BuildRequest& request,
                         const std::optional<Confinement>& confinement) {
  std::chrono::milliseconds time_limit = request.compile_time_limit;
  RunLimits limits;
  limits.cancel_fd = request.cancel_fd;
  limits.wall_time = time_limit;
  limits.max_output_bytes = kMaxCompilerOutputBytes;
  limits.kept_output_bytes = kMaxCompilerOutputBytes;
  limits.memory_bytes = kCompilerMemoryBytes;
  limits.file_size_bytes = kCompilerFileSizeBytes;
  limits.open_files = kCompilerOpenFiles;
  limits.confinement = confinement;

  std::vector<std::string> words = {compiler.string()};
  words.insert(words.end(), arguments.begin(), arguments.end());
  CompilerRun run;
  run.command = shell_quote(words);

  RunResult result = run_sandboxed(compiler, arguments, "", limits);
  run.log = std::move(result.output);
  switch (result.outcome) {
    case RunOutcome::exited:
      run.ok = result.exit_code == 0 && fs::exists(output);
      run.cacheable = run.ok || result.exit_code != 0;
      break;
    case RunOutcome::signaled:
      run.log += fmt::format("\ncompiler killed by {}\n", signal_name(result.signal));
      break;
    case RunOutcome::timed_out:
      run.log +=
          fmt::format("\ncompiler stopped after {} ms (compile_time_limit)\n", time_limit.count());
      break;
    case RunOutcome::output_flood:
    case RunOutcome::channel_flood:
      run.log +=
          fmt::format("\ncompiler stopped after {} bytes of output\n", kMaxCompilerOutputBytes);
      break;
    case RunOutcome::cancelled:
      run.cancelled = true;
      break;
  }
  return run;
}

// The output location of one compiler run. Unconfined, it is a temporary file
// in the cache folder. Confined, it is a fresh private folder inside the cache
// folder, the only place the compiler may write, so publish() is still a
// rename within one file system. The destructor removes the folder and
// whatever the trusted parent did not move out of it.
class OutputFolder {
 public:
  OutputFolder(const fs::path& cache_folder, bool confined) : cache_folder_(cache_folder) {
    if (!confined) {
      return;
    }
    folder_ = temporary_path(cache_folder, "");
    std::error_code error;
    if (!fs::create_directory(folder_, error)) {
      throw Error(fmt::format("cannot create the output folder '{}': {}", folder_.string(),
                              error ? error.message() : "it exists"));
    }
  }
  OutputFolder(const OutputFolder&) = delete;
  OutputFolder& operator=(const OutputFolder&) = delete;
  ~OutputFolder() {
    if (!folder_.empty()) {
      std::error_code ignored;
      fs::remove_all(folder_, ignored);
    }
  }

  /// Returns the path for the compiler's output: `name` in the private
  /// folder, or an unconfined temporary file with the same extension.
  fs::path file(const fs::path& name) const {
    if (folder_.empty()) {
      return temporary_path(cache_folder_, name.extension().string());
    }
    return folder_ / name;
  }

  /// The confinement of a compiler run that reads `inputs`, the include
  /// folders and the extra paths of request.confinement, and writes only
  /// into this folder. Nothing when the request is not confined.
  std::optional<Confinement> confinement(const BuildRequest& request,
                                         const std::vector<fs::path>& inputs) const {
    if (!request.confinement) {
      return std::nullopt;
    }
    Confinement confinement = *request.confinement;
    confinement.policy = SyscallPolicy::compiler;
    confinement.read_only.insert(confinement.read_only.end(), inputs.begin(), inputs.end());
    confinement.read_only.insert(confinement.read_only.end(), request.include_dirs.begin(),
                                 request.include_dirs.end());
    confinement.writable.push_back(folder_);
    return confinement;
  }

 private:
  fs::path cache_folder_;
  fs::path folder_;  // empty when unconfined
};

// Returns the harness object file for `key`, compiling it when the cache has
// none. Records the command in result.harness_command when it ran. Returns an
// empty path and sets result.cancelled when the compile was cancelled.
fs::path ensure_harness_object(const BuildRequest& request, const fs::path& compiler,
                               const fs::path& folder, const std::string& key,
                               BuildResult& result) {
  fs::path object = folder / (key + ".o");
  std::error_code error;
  if (fs::is_regular_file(object, error)) {
    touch(object);
    return object;
  }

  OutputFolder output(folder, request.confinement.has_value());
  fs::path temporary = output.file("harness.o");
  std::vector<std::string> arguments = compile_arguments(request);
  arguments.insert(arguments.end(), {"-c", request.harness.string(), "-o", temporary.string()});
  CompilerRun run = run_compiler(compiler, arguments, temporary, request,
                                 output.confinement(request, {request.harness}));
  result.harness_command = run.command;
  if (!run.ok) {
    std::error_code ignored;
    fs::remove(temporary, ignored);
    if (run.cancelled) {
      result.cancelled = true;
      return {};
    }
    // g++ before 10 prints "unrecognized command-line option '-std=c++20'",
    // and clang before 10 "invalid value 'c++20' in '-std=c++20'".
    if (run.log.find("'-std=c++20'") != std::string::npos) {
      throw Error(fmt::format(
          "the compiler '{}' does not know C++20 ('-std=c++20'); set CXX to g++ 10 or clang 10 "
          "or newer, e.g. CXX=g++",
          compiler.string()));
    }
    throw Error(
        fmt::format("lesson harness '{}' failed to compile with '{}' (set CXX to a "
                    "C++20 compiler, e.g. CXX=g++):\n{}",
                    request.harness.string(), compiler.string(), run.log));
  }
  publish_once(temporary, object);
  return object;
}

// Fills `result` from the cache entry for `key` and returns true, or returns
// false when there is none.
bool load_cached_build(const fs::path& folder, const std::string& key, BuildResult& result) {
  fs::path executable = folder / key;
  fs::path success_log = folder / (key + ".log");
  fs::path failure_log = folder / (key + ".failed");
  std::error_code error;

  if (fs::is_regular_file(executable, error)) {
    touch(executable);
    result.ok = true;
    result.executable = executable;
    result.log = fs::exists(success_log, error) ? read_file_bytes(success_log) : "";
  } else if (fs::exists(failure_log, error)) {
    touch(failure_log);
    result.log = read_file_bytes(failure_log);
  } else {
    return false;
  }
  result.cached = true;
  return true;
}

// Compiles the exercise and links it with the harness object into `executable`
// (a path in the cache), and records a failed compile's log beside it.
void compile_exercise(const BuildRequest& request, const fs::path& compiler, const fs::path& object,
                      const fs::path& executable, BuildResult& result) {
  OutputFolder output(executable.parent_path(), request.confinement.has_value());
  fs::path temporary = output.file("program");
  std::vector<std::string> arguments = compile_arguments(request);
  arguments.insert(arguments.end(),
                   {request.exercise.string(), object.string(), "-o", temporary.string()});
  CompilerRun run = run_compiler(compiler, arguments, temporary, request,
                                 output.confinement(request, {request.exercise, object}));
  result.log = run.log;
  result.command = run.command;
  result.cancelled = run.cancelled;

  if (run.ok) {
    if (!run.log.empty()) {
      write_file_atomically(executable.string() + ".log", run.log);
    }
    publish_once(temporary, executable);
    result.ok = true;
    result.executable = executable;
    return;
  }

  std::error_code ignored;
  fs::remove(temporary, ignored);
  if (run.cacheable) {
    write_file_atomically(executable.string() + ".failed", run.log);
  }
}

}  // namespace

fs::path resolve_compiler(const std::string& compiler) {
  std::string name = compiler;
  if (name.empty()) {
    const char* cxx = std::getenv("CXX");
    name = (cxx != nullptr && *cxx != '\0') ? cxx : "c++";
  }
  std::string not_found =
      fmt::format("compiler '{}' not found (set CXX to a C++20 compiler, e.g. CXX=g++)", name);

  if (name.find('/') != std::string::npos) {
    if (!is_executable_file(name)) {
      throw Error(not_found);
    }
    return name;
  }

  const char* path_variable = std::getenv("PATH");
  std::string_view search = (path_variable != nullptr) ? path_variable : "/usr/bin:/bin";
  while (true) {
    std::size_t end = std::min(search.find(':'), search.size());
    fs::path folder = search.substr(0, end).empty() ? "." : fs::path(search.substr(0, end));
    if (is_executable_file(folder / name)) {
      return folder / name;
    }
    if (end == search.size()) {
      throw Error(not_found);
    }
    search.remove_prefix(end + 1);
  }
}

fs::path default_cache_dir() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg != nullptr && fs::path(xdg).is_absolute()) {
    return fs::path(xdg) / "gradlings";
  }
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') {
    throw Error(
        "cannot choose a cache folder: HOME is not set (set XDG_CACHE_HOME to a "
        "writable folder)");
  }
  return fs::path(home) / ".cache" / "gradlings";
}

// Returns `request` with every input path absolute, because a confined
// compiler starts in a private working folder and can read only these paths.
BuildRequest with_absolute_paths(const BuildRequest& request) {
  BuildRequest absolute = request;
  absolute.exercise = fs::absolute(request.exercise);
  absolute.harness = fs::absolute(request.harness);
  for (fs::path& folder : absolute.include_dirs) {
    folder = fs::absolute(folder);
  }
  return absolute;
}

BuildResult build_exercise(const BuildRequest& original) {
  BuildRequest request = original.confinement ? with_absolute_paths(original) : original;
  fs::path compiler = resolve_compiler(request.compiler);
  fs::path cache = request.cache_dir.empty() ? default_cache_dir() : request.cache_dir;
  fs::path harness_folder = cache / "harness";
  fs::path exercise_folder = cache / "exercise";
  CacheKeys keys = compute_keys(request, compiler);

  BuildResult result;
  if (load_cached_build(exercise_folder, keys.exercise, result)) {
    return result;
  }

  // A confined compiler runs by its real path, because a link such as
  // /usr/bin/c++ points into /etc/alternatives.
  // NOTE: a compiler outside the system's program folders (/usr, /bin, ...)
  // cannot start its own helpers, such as cc1plus, when confined.
  if (request.confinement) {
    compiler = fs::canonical(compiler);
  }
  create_cache_folder(harness_folder);
  create_cache_folder(exercise_folder);
  fs::path object = ensure_harness_object(request, compiler, harness_folder, keys.harness, result);
  if (result.cancelled) {
    return result;
  }
  compile_exercise(request, compiler, object, exercise_folder / keys.exercise, result);

  prune_cache(exercise_folder, request.max_cached_builds);
  prune_cache(harness_folder, request.max_cached_harnesses);
  return result;
}

}  // namespace gradlings::runner
