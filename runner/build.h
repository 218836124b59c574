// Compiles a learner's exercise with a lesson harness into an executable,
// cached by the hash of everything that affects the result.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "runner/confine.h"

namespace gradlings::runner {

/// A request to compile one exercise: its inputs, the compiler, the flags and
/// the cache folder.
struct BuildRequest {
  /// The learner's .cpp file.
  std::filesystem::path exercise;

  /// The lesson kind's harness .cpp, which contains main().
  std::filesystem::path harness;

  /// Folders passed with -I, in order. Every regular file below them, at any
  /// depth, is part of the cache key, so editing a lesson header rebuilds.
  std::vector<std::filesystem::path> include_dirs;

  /// The compiler: a path, or a name looked up in PATH. Empty: $CXX when set
  /// and non-empty, else "c++". It is run directly, without a shell, so a
  /// value with spaces ("ccache g++") is taken as one file name.
  std::string compiler;

  /// Flags for both the harness and the exercise compile. Measured with g++ 12
  /// on a 2-core machine, compiling and linking a 100-line exercise that
  /// includes <cmath> and <vector> took a median 237 ms at -O0, 249 ms at -O1
  /// and 267 ms at -O2, while a forward and backward pass loop ran in 170 ms at
  /// -O0 and 24 ms at -O1.
  std::vector<std::string> flags = {"-std=c++20", "-O1"};

  /// The cache folder. Empty: $XDG_CACHE_HOME/gradlings when XDG_CACHE_HOME is
  /// an absolute path, else $HOME/.cache/gradlings.
  std::filesystem::path cache_dir;

  /// Each compiler run is killed after this long, and the build fails.
  std::chrono::milliseconds compile_time_limit{60'000};

  /// Cache size: after each compile, only this many of the most recently used
  /// exercise builds are kept (an executable, or the log of a failed compile),
  /// and only max_cached_harnesses harness object files. A cache hit counts as
  /// a use. Temporary files older than an hour, left by a runner that was
  /// killed mid-compile, are deleted too.
  std::size_t max_cached_builds = 64;
  std::size_t max_cached_harnesses = 16;

  /// Passed to every compiler run as RunLimits::cancel_fd: when it becomes
  /// readable, the compiler is killed and the build ends with cancelled set.
  /// -1: the build cannot be cancelled.
  int cancel_fd = -1;

  /// When set, each compiler run is confined (see confine.h) with the
  /// compiler policy, whatever its `policy` field is. Besides the system's
  /// folders, the compiler can read only the exercise file, the harness or its
  /// object file, the include folders and the read_only paths listed here, and
  /// write only a fresh output folder inside the cache. The runner, not the
  /// compiler, moves the output into the cache, so no compile can read other
  /// builds. Paths are made absolute first, and the compiler runs by its
  /// canonical path (without links such as /usr/bin/c++ ->
  /// /etc/alternatives/c++). Each compiler run gets RLIMIT_FSIZE 512 MiB and
  /// RLIMIT_NOFILE 1024.
  std::optional<Confinement> confinement;
};

/// The outcome of build_exercise(). A compile error is a result, not an Error.
struct BuildResult {
  /// True when the exercise compiled and linked. False: see log.
  bool ok = false;

  /// The cached executable to run; empty when ok is false. It stays in the
  /// cache and may be deleted by a later build's pruning, so run it soon.
  std::filesystem::path executable;

  /// The compiler's stdout and stderr, unshortened: warnings when ok, errors
  /// when not. A compile killed for a time or output limit ends with a line
  /// saying so.
  std::string log;

  /// True when the result was reused without running the compiler. Failed
  /// compiles are cached too, so an unchanged broken exercise reports its
  /// errors again without recompiling.
  bool cached = false;

  /// The command line that compiled the exercise, shell-quoted, for --verbose.
  /// Empty when cached is true.
  std::string command;

  /// The command line that compiled the harness object file, or empty when
  /// that object was reused from the cache.
  std::string harness_command;

  /// True when BuildRequest::cancel_fd stopped a compiler run. ok is then
  /// false, and nothing of the cancelled run is cached.
  bool cancelled = false;
};

/// Compiles `request.exercise` and links it with the harness object file,
/// compiling that first when the cache has none for this harness, headers,
/// compiler and flags. A cache hit reads the inputs, hashes them and stats
/// the compiler, and starts no process.
///
/// Throws Error when the compiler is not found or cannot be started, when the
/// exercise, harness or an include folder cannot be read, or when the cache
/// folder cannot be created or written. Also throws Error when the harness
/// itself fails to compile, and the message then contains the compiler's
/// output.
BuildResult build_exercise(const BuildRequest& request);

/// Returns the flags and -I options that compile both the exercise and the
/// harness, in the order the compiler gets them.
std::vector<std::string> compile_arguments(const BuildRequest& request);

/// Returns the compiler to run: `compiler` (or $CXX, or "c++" when empty)
/// resolved through PATH unless it contains a '/'. Throws Error when no such
/// executable file exists.
std::filesystem::path resolve_compiler(const std::string& compiler);

/// Returns the default cache folder described at BuildRequest::cache_dir.
/// Throws Error when neither XDG_CACHE_HOME nor HOME is set.
std::filesystem::path default_cache_dir();

}  // namespace gradlings::runner
