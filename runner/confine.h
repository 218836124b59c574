// Isolation of untrusted code: the compiler and the learner's program run with
// the system's program folders and a few named paths visible, no network and
// a system call filter. The mechanisms are chosen at run time, because a
// machine may lack bubblewrap or Landlock.
#pragma once

#include <linux/filter.h>

#include <filesystem>
#include <string>
#include <vector>

#include "runner/posix_handles.h"

namespace gradlings::runner {

/// The isolation mechanisms in use. detect_protections() returns what this
/// machine supports.
struct Protections {
  /// bubblewrap (the `bwrap` command): new user, pid, network, IPC and UTS
  /// namespaces and a file system made of the system's program folders, the
  /// confinement's paths and a private /tmp.
  bool bubblewrap = false;

  /// Landlock: without bubblewrap, the kernel limits reads to the same paths,
  /// writes to the writable ones and execution to the system's program folders.
  bool landlock = false;

  /// A seccomp filter (SyscallPolicy) loaded just before the program starts.
  bool seccomp = false;

  /// Resource limits (setrlimit) on time, memory, file size, processes and
  /// open files. Always in force.
  bool rlimits = true;
};

/// Returns stable names for the protections in force, for run.json, in this
/// order: "bubblewrap", "landlock", "seccomp", "rlimits", then "no-network"
/// (bubblewrap's network namespace or the seccomp filter blocks every socket)
/// and "private-tmp" (bubblewrap or Landlock leaves the child no writable
/// temporary folder but its own).
std::vector<std::string> protection_names(const Protections& protections);

/// Returns the protections this machine supports. bubblewrap counts only when
/// `allow_bubblewrap` is true, `bwrap` is on PATH and a trial run of it
/// succeeds. Landlock counts only when bubblewrap is not used. The machine is
/// probed once per process, on the first call, and later calls from any
/// thread reuse the result.
Protections detect_protections(bool allow_bubblewrap);

/// The set of system calls a confined child may make.
enum class SyscallPolicy {
  /// The compiler: may create processes and exec (g++ runs cc1plus, as,
  /// collect2 and ld) and write files, but is killed with SIGSYS on network
  /// system calls, ptrace, mount and namespace changes.
  compiler,

  /// The learner's program: besides the compiler's bans, creating a process
  /// (fork, vfork, clone without CLONE_THREAD) kills it with SIGSYS, and opening
  /// a file for writing fails with EACCES. Threads stay allowed.
  program,
};

/// The paths, system calls and mechanisms of one confined child.
struct Confinement {
  /// Files and folders visible read-only, besides the system's program folders
  /// (/usr and the /bin, /sbin and /lib* links or folders, /etc/alternatives,
  /// /etc/ld.so.cache) and the executable itself.
  std::vector<std::filesystem::path> read_only;

  /// Files and folders visible and writable, at the same absolute path.
  std::vector<std::filesystem::path> writable;

  SyscallPolicy policy = SyscallPolicy::program;

  /// The mechanisms to use, usually the result of detect_protections().
  Protections protections;
};

/// The seccomp filter for `policy` as a classic BPF program, built with
/// libseccomp for this machine's architecture once per process.
const std::vector<sock_filter>& seccomp_filter(SyscallPolicy policy);

/// Everything the child of run_sandboxed() needs to start confined, prepared
/// in the parent so the forked child only makes system calls. The destructor
/// removes the private folder.
class ConfinedLaunch {
 public:
  /// Prepares a launch of `executable` with `arguments`. Creates a private
  /// folder, except under bubblewrap, which mounts a private tmpfs instead. Throws
  /// Error when the executable is not an executable file or bubblewrap is
  /// requested but missing, and std::system_error when a system call fails.
  ConfinedLaunch(const Confinement& confinement, const std::filesystem::path& executable,
                 const std::vector<std::string>& arguments);
  ConfinedLaunch(const ConfinedLaunch&) = delete;
  ConfinedLaunch& operator=(const ConfinedLaunch&) = delete;
  ~ConfinedLaunch();

  /// The command to execve: bwrap with its options, or the executable itself.
  std::vector<std::string> argv;

  /// The child's whole environment, as NAME=value strings.
  std::vector<std::string> environment;

  /// The folder the child starts in; empty under bubblewrap, which changes
  /// folder itself.
  std::string working_folder;

  /// Under bubblewrap: a memfd with the seccomp filter, which the child keeps
  /// open as descriptor kSeccompFd for `bwrap --seccomp`. Else invalid.
  UniqueFd bubblewrap_filter;

  /// Without bubblewrap: the Landlock ruleset the child restricts itself with,
  /// or invalid without Landlock.
  UniqueFd landlock_ruleset;

  /// Without bubblewrap: the filter the child loads just before execve, or
  /// null when seccomp is off or bubblewrap loads it.
  const std::vector<sock_filter>* filter = nullptr;

  /// The private folder on the host: work/ (the working folder) and tmp/
  /// ($TMPDIR). Empty under bubblewrap.
  std::filesystem::path private_folder;
};

/// The descriptor on which `bwrap --seccomp` reads the filter in the child.
constexpr int kSeccompFd = 5;

}  // namespace gradlings::runner
