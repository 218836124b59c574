// Runs a compiled program in a child process with a time limit, output
// limits and a memory limit, and collects what it wrote.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "runner/confine.h"

namespace gradlings::runner {

/// The file descriptor on which the child finds the channel: a pipe that only
/// the lesson harness writes its records to, separate from stdout and stderr so
/// the learner's printing cannot corrupt the records.
constexpr int kChannelFd = 3;

/// Limits for one run. Exceeding any of them kills the child's whole process
/// group with SIGKILL.
struct RunLimits {
  /// Wall-clock time from start until the child is killed (outcome timed_out).
  /// RLIMIT_CPU is also set to this rounded up to whole seconds plus one.
  std::chrono::milliseconds wall_time{10'000};

  /// stdout and stderr together beyond this many bytes kill the child
  /// (outcome output_flood).
  std::size_t max_output_bytes = 1 << 20;

  /// How many bytes of stdout and stderr are kept in RunResult::output.
  std::size_t kept_output_bytes = 16 << 10;

  /// Channel data beyond this many bytes kills the child (outcome channel_flood).
  std::size_t max_channel_bytes = 64 << 20;

  /// RLIMIT_AS: the child's virtual address space in bytes. An allocation past
  /// it fails inside the child (std::bad_alloc, or a null from malloc).
  std::size_t memory_bytes = 2ull << 30;

  /// RLIMIT_CPU in seconds of processor time: SIGXCPU at this, SIGKILL one
  /// second later. Zero: wall_time rounded up to whole seconds, plus one.
  std::chrono::seconds cpu_time{0};

  /// RLIMIT_FSIZE in bytes: a write that would grow a file past it fails and
  /// raises SIGXFSZ. Set for confined runs only.
  std::size_t file_size_bytes = 64 << 20;

  /// RLIMIT_NPROC. Set for confined runs only. The kernel counts every process
  /// and thread of the user, not only the child's, and ignores the limit for
  /// root, so this is a backstop behind the seccomp filter.
  std::size_t processes = 1024;

  /// RLIMIT_NOFILE: open file descriptors. Set for confined runs only.
  std::size_t open_files = 256;

  /// When set, the child runs confined (see confine.h): a cleared environment
  /// (PATH=/usr/bin:/bin, LANG=C.UTF-8, TMPDIR=a private folder and PWD),
  /// a private working folder, the limits above, and bubblewrap, Landlock and seccomp
  /// as confinement->protections selects. A system call that the policy forbids
  /// ends the run as signaled with SIGSYS. Unset: the child inherits the
  /// environment and working folder and only RLIMIT_CORE, RLIMIT_AS and
  /// RLIMIT_CPU are set.
  std::optional<Confinement> confinement;

  /// A file descriptor that cancels the run when it becomes readable (outcome
  /// cancelled), or -1 for none. It is polled, never read, so one descriptor
  /// made readable once cancels every later run that gets it too.
  int cancel_fd = -1;
};

/// A run's outcome. Only `exited` and `signaled` come from the child itself.
/// The others mean the sandbox killed it.
enum class RunOutcome { exited, signaled, timed_out, output_flood, channel_flood, cancelled };

/// The status, output and channel data of one run. Data read before a kill is
/// kept.
struct RunResult {
  RunOutcome outcome = RunOutcome::exited;
  int exit_code = 0;  ///< the exit status; meaningful when outcome == exited
  int signal = 0;     ///< the terminating signal; meaningful when outcome == signaled

  /// The first kept_output_bytes of stdout and stderr, in the order the child
  /// wrote them to the two file descriptors (which share one pipe).
  std::string output;

  /// The number of bytes read from stdout and stderr, including those not kept.
  /// After an output flood it is just past max_output_bytes.
  std::size_t output_bytes = 0;

  /// Everything the child wrote to kChannelFd.
  std::string channel;

  /// Wall-clock time from starting the child until it was reaped.
  std::chrono::milliseconds elapsed{0};
};

/// Runs `executable` with `arguments` (argv[1] onwards; argv[0] is the path)
/// and waits for it. The child inherits the environment and the working
/// folder, and gets:
///  - stdin: the bytes of `input`, from an in-memory file (no temp file on disk);
///  - stdout and stderr: one shared pipe;
///  - kChannelFd: the channel pipe;
///  - no other open file descriptors;
///  - its own process group, so grandchildren are killed with it;
///  - RLIMIT_CORE 0, RLIMIT_AS limits.memory_bytes, RLIMIT_CPU as in RunLimits;
///  - default handling for every signal and an empty signal mask;
///  - SIGKILL if the calling thread exits first (PR_SET_PDEATHSIG).
///
/// When limits.cancel_fd becomes readable while the child runs, the parent's
/// poll() wakes up, kills the child's process group and reports the outcome
/// cancelled.
///
/// When the child exits, its process group is killed at once, so a grandchild
/// that still has the pipes open cannot delay the result. A grandchild that
/// left the group delays it by at most 200 ms of grace.
///
/// A program that crashes, times out or floods its output is a result, not an
/// exception. Throws Error, naming the path and the system's reason, when the
/// executable cannot be started (missing, not executable, not a valid
/// program). Throws std::system_error when pipe2, memfd_create, fork, poll or
/// read fails. The caller's SIGPIPE handling is left alone, because the parent
/// never writes to a pipe.
///
/// Safe to call from several threads at once. The process must not set
/// SIGCHLD to SIG_IGN, because the kernel then reaps children itself and every
/// run would end as timed_out.
RunResult run_sandboxed(const std::filesystem::path& executable,
                        const std::vector<std::string>& arguments, const std::string& input,
                        const RunLimits& limits = {});

/// Returns the name of a signal, such as "SIGSEGV" for 11, "SIGSYS (forbidden
/// system call)" for the signal the seccomp filter kills with, or "signal 42"
/// for a number without a standard name.
std::string signal_name(int signal);

/// Returns a lowercase word for an outcome, such as "timed_out", for logs.
std::string outcome_name(RunOutcome outcome);

}  // namespace gradlings::runner
