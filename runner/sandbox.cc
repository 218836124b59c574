#include "runner/sandbox.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

#include "runner/error.h"
#include "runner/posix_handles.h"

namespace gradlings::runner {
namespace {

using Clock = std::chrono::steady_clock;

// How long the parent keeps reading after the child exits, for data from a
// grandchild that escaped the process group and still has a pipe open.
constexpr std::chrono::milliseconds kExitGrace{200};

// The poll interval when pidfd_open is unavailable (Linux before 5.3), so the
// child's exit is noticed by checking rather than by an event.
constexpr std::chrono::milliseconds kExitCheckInterval{10};

constexpr std::size_t kReadChunkBytes = 64 << 10;

// In the child, every descriptor it needs is first moved to this number or
// above, so the dup2 calls onto 0..4 cannot overwrite one of them.
constexpr int kFirstSpareFd = 10;

// The descriptor on which the child reports a failure before exec.
constexpr int kReportFd = kChannelFd + 1;

// Returns an in-memory file holding `input`, positioned at its start.
UniqueFd make_input_file(const std::string& input) {
  UniqueFd file(::memfd_create("gradlings-input", MFD_CLOEXEC));
  if (!file.valid()) {
    throw_system_error("memfd_create");
  }

  std::size_t written = 0;
  while (written < input.size()) {
    ssize_t n = ::write(file.get(), input.data() + written, input.size() - written);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      throw_system_error("write to memfd");
    }
    written += static_cast<std::size_t>(n);
  }

  if (::lseek(file.get(), 0, SEEK_SET) != 0) {
    throw_system_error("lseek on memfd");
  }
  return file;
}

// The step at which the child failed before exec, sent to the parent through
// the report pipe together with errno.
enum class ChildStep : int { move_fds, set_limits, confine, exec };

struct ChildFailure {
  ChildStep step;
  int error;
};

// Everything the child needs, prepared before fork so the child itself calls
// only async-signal-safe functions.
struct ChildPlan {
  int input_fd = -1;
  int output_fd = -1;
  int channel_fd = -1;
  int report_fd = -1;
  std::vector<char*> argv;  // null-terminated
  rlimit address_space{};
  rlimit cpu_seconds{};
  pid_t parent = 0;

  // Set for a confined run only.
  const ConfinedLaunch* confined = nullptr;
  std::vector<char*> environment;  // null-terminated
  sock_fprog filter{};
  rlimit file_size{};
  rlimit processes{};
  rlimit open_files{};
};

// Returns a limit with the given soft and hard values, both capped at the
// current hard limit, which an unprivileged process cannot raise.
rlimit capped_limit(int resource, rlim_t soft, rlim_t hard) {
  rlimit current{};
  ::getrlimit(resource, &current);
  rlim_t capped_hard = std::min(hard, current.rlim_max);
  return {std::min(soft, capped_hard), capped_hard};
}

// The CPU time limit is a backstop for the wall-clock kill, so it is a little
// longer, in whole seconds. The kernel sends SIGXCPU at the soft limit and
// SIGKILL at the hard one.
rlimit cpu_limit_for(const RunLimits& limits) {
  auto seconds = static_cast<rlim_t>(limits.cpu_time.count());
  if (seconds <= 0) {
    seconds = static_cast<rlim_t>((limits.wall_time.count() + 999) / 1000 + 1);
  }
  return capped_limit(RLIMIT_CPU, seconds, seconds + 1);
}

void close_from(int first_fd) {
  if (::syscall(SYS_close_range, first_fd, ~0U, 0) == 0) {
    return;
  }
  // close_range arrived in Linux 5.9. Older kernels close one by one.
  rlimit open_files{};
  ::getrlimit(RLIMIT_NOFILE, &open_files);
  rlim_t end = std::min<rlim_t>(open_files.rlim_cur, 1 << 20);
  for (rlim_t fd = static_cast<rlim_t>(first_fd); fd < end; ++fd) {
    ::close(static_cast<int>(fd));
  }
}

[[noreturn]] void report_and_exit(ChildStep step) {
  ChildFailure failure{step, errno};
  [[maybe_unused]] ssize_t n = ::write(kReportFd, &failure, sizeof failure);
  ::_exit(127);
}

// Applies the part of the confinement that the child sets up itself. Under
// bubblewrap it puts the seccomp filter on kSeccompFd for bwrap. Without
// bubblewrap it moves to the private working folder and restricts itself with
// Landlock. Both descriptors are -1 when unused, else kFirstSpareFd or above.
void confine_child(const ChildPlan& plan, int bubblewrap_filter, int landlock_ruleset) {
  if (bubblewrap_filter >= 0 && ::dup2(bubblewrap_filter, kSeccompFd) < 0) {
    report_and_exit(ChildStep::confine);
  }
  if (!plan.confined->working_folder.empty() &&
      ::chdir(plan.confined->working_folder.c_str()) != 0) {
    report_and_exit(ChildStep::confine);
  }
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    report_and_exit(ChildStep::confine);
  }
  if (landlock_ruleset >= 0 &&
      ::syscall(SYS_landlock_restrict_self, landlock_ruleset, 0) != 0) {
    report_and_exit(ChildStep::confine);
  }
}

void set_confined_limits(const ChildPlan& plan) {
  if (::setrlimit(RLIMIT_FSIZE, &plan.file_size) != 0 ||
      ::setrlimit(RLIMIT_NPROC, &plan.processes) != 0 ||
      ::setrlimit(RLIMIT_NOFILE, &plan.open_files) != 0) {
    report_and_exit(ChildStep::set_limits);
  }
}

// Runs in the forked child: sets up descriptors, limits and signals, then
// execs. Only async-signal-safe calls are allowed here.
[[noreturn]] void exec_child(const ChildPlan& plan) {
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != plan.parent) {
    ::_exit(127);
  }

  int bubblewrap_filter = plan.confined ? plan.confined->bubblewrap_filter.get() : -1;
  int landlock_ruleset = plan.confined ? plan.confined->landlock_ruleset.get() : -1;
  std::array<int, 6> sources = {plan.input_fd,    plan.output_fd,    plan.channel_fd,
                                plan.report_fd, bubblewrap_filter, landlock_ruleset};
  for (int& fd : sources) {
    if (fd < 0) {
      continue;
    }
    fd = ::fcntl(fd, F_DUPFD, kFirstSpareFd);
    if (fd < 0) {
      // The report pipe may not be on kReportFd yet, so exit without a report.
      ::_exit(127);
    }
  }
  if (::dup2(sources[3], kReportFd) < 0 || ::fcntl(kReportFd, F_SETFD, FD_CLOEXEC) < 0) {
    ::_exit(127);
  }
  if (::dup2(sources[0], STDIN_FILENO) < 0 || ::dup2(sources[1], STDOUT_FILENO) < 0 ||
      ::dup2(sources[1], STDERR_FILENO) < 0 || ::dup2(sources[2], kChannelFd) < 0) {
    report_and_exit(ChildStep::move_fds);
  }
  if (plan.confined != nullptr) {
    confine_child(plan, sources[4], sources[5]);
  }
  close_from(sources[4] >= 0 ? kSeccompFd + 1 : kReportFd + 1);

  rlimit no_core{0, 0};
  if (::setrlimit(RLIMIT_CORE, &no_core) != 0 || ::setrlimit(RLIMIT_AS, &plan.address_space) != 0 ||
      ::setrlimit(RLIMIT_CPU, &plan.cpu_seconds) != 0) {
    report_and_exit(ChildStep::set_limits);
  }
  if (plan.confined != nullptr) {
    set_confined_limits(plan);
  }

  // Ignored signals and the signal mask survive exec, and the caller may have
  // ignored SIGPIPE, so reset both to the defaults a program expects.
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) {
    ::sigaction(sig, &default_action, nullptr);
  }
  sigset_t empty;
  ::sigemptyset(&empty);
  ::sigprocmask(SIG_SETMASK, &empty, nullptr);

  if (plan.confined == nullptr) {
    ::execv(plan.argv[0], plan.argv.data());
    report_and_exit(ChildStep::exec);
  }

  // The filter comes last, because under the program policy it would stop
  // the steps above. It allows execve, and PR_SET_NO_NEW_PRIVS is already set.
  if (plan.filter.len > 0 &&
      ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &plan.filter) != 0) {
    report_and_exit(ChildStep::confine);
  }
  ::execve(plan.argv[0], plan.argv.data(), plan.environment.data());
  report_and_exit(ChildStep::exec);
}

std::string describe_failure(const std::filesystem::path& executable, ChildFailure failure) {
  const char* reason = std::strerror(failure.error);
  switch (failure.step) {
    case ChildStep::exec:
      return fmt::format("failed to start '{}': {}", executable.string(), reason);
    case ChildStep::set_limits:
      return fmt::format("failed to set resource limits for '{}': {}", executable.string(), reason);
    case ChildStep::confine:
      return fmt::format("failed to confine '{}': {}", executable.string(), reason);
    default:
      return fmt::format("failed to set up file descriptors for '{}': {}", executable.string(),
                         reason);
  }
}

int poll_timeout_ms(Clock::time_point now, Clock::time_point end) {
  auto remaining = std::chrono::ceil<std::chrono::milliseconds>(end - now).count();
  return static_cast<int>(std::clamp<decltype(remaining)>(remaining, 0, INT_MAX));
}

// Reads one chunk from a pipe that poll() reported ready, and closes the pipe
// at EOF. Returns the bytes read, which stay valid until the next call.
std::string_view read_chunk(UniqueFd& pipe, std::vector<char>& buffer) {
  ssize_t n = ::read(pipe.get(), buffer.data(), buffer.size());
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
    return {};
  }
  if (n < 0) {
    throw_system_error("read from child pipe");
  }
  if (n == 0) {
    pipe.reset();
  }
  return {buffer.data(), static_cast<std::size_t>(n)};
}

// Reads the child's output and channel pipes into `result` until the child
// has exited and both pipes reach EOF, or a limit is crossed. Returns the
// outcome the sandbox imposed, or nothing when the child ended by itself.
std::optional<RunOutcome> collect_output(ChildProcess& child, int pidfd, UniqueFd output,
                                         UniqueFd channel, Clock::time_point deadline,
                                         const RunLimits& limits, RunResult& result) {
  std::vector<char> buffer(kReadChunkBytes);
  bool exited = false;
  Clock::time_point grace_end;
  while (true) {
    if (!exited && child.has_exited()) {
      exited = true;
      child.kill_group();
      grace_end = Clock::now() + kExitGrace;
    }

    Clock::time_point now = Clock::now();
    if (exited && ((!output.valid() && !channel.valid()) || now >= grace_end)) {
      return std::nullopt;
    }
    if (!exited && now >= deadline) {
      return RunOutcome::timed_out;
    }

    // Without a pidfd the child's exit raises no event, so poll wakes up
    // every kExitCheckInterval to check for it.
    std::array<pollfd, 4> polled = {pollfd{output.get(), POLLIN, 0},
                                    pollfd{channel.get(), POLLIN, 0},
                                    pollfd{exited ? -1 : pidfd, POLLIN, 0},
                                    pollfd{exited ? -1 : limits.cancel_fd, POLLIN, 0}};
    int timeout = poll_timeout_ms(now, exited ? grace_end : deadline);
    if (!exited && pidfd < 0) {
      timeout = std::min(timeout, static_cast<int>(kExitCheckInterval.count()));
    }
    if (::poll(polled.data(), polled.size(), timeout) < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw_system_error("poll");
    }

    // Any event on the cancel descriptor cancels, a hang-up or an error too,
    // so a cancel pipe whose write end was closed still stops the run.
    if (polled[3].revents != 0) {
      return RunOutcome::cancelled;
    }

    // poll() ignores entries whose fd is -1, such as a pipe closed at EOF.
    if (polled[0].revents != 0) {
      std::string_view chunk = read_chunk(output, buffer);
      result.output_bytes += chunk.size();
      std::size_t room =
          limits.kept_output_bytes - std::min(limits.kept_output_bytes, result.output.size());
      result.output.append(chunk.substr(0, room));
      if (result.output_bytes > limits.max_output_bytes) {
        return RunOutcome::output_flood;
      }
    }
    if (polled[1].revents != 0) {
      result.channel.append(read_chunk(channel, buffer));
      if (result.channel.size() > limits.max_channel_bytes) {
        return RunOutcome::channel_flood;
      }
    }
  }
}

// Blocks until the child execs or reports a failure. Returns the failure, or
// nothing once exec succeeded and closed the report pipe.
std::optional<ChildFailure> read_child_failure(const UniqueFd& report) {
  ChildFailure failure{};
  auto* bytes = reinterpret_cast<char*>(&failure);
  std::size_t received = 0;
  while (received < sizeof failure) {
    ssize_t n = ::read(report.get(), bytes + received, sizeof failure - received);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    received += static_cast<std::size_t>(n);
  }
  if (received < sizeof failure) {
    return std::nullopt;
  }
  return failure;
}

void record_exit_status(int status, bool under_bubblewrap, RunResult& result) {
  if (WIFSIGNALED(status)) {
    result.outcome = RunOutcome::signaled;
    result.signal = WTERMSIG(status);
    return;
  }

  // bwrap exits with 128 + N when its child dies of signal N, as a shell does.
  // NOTE: so under bubblewrap a program that calls exit(128 + N) itself, with
  // N a signal number, is reported as killed by signal N.
  int code = WEXITSTATUS(status);
  if (under_bubblewrap && code > 128 && code - 128 < NSIG && ::sigabbrev_np(code - 128) != nullptr) {
    result.outcome = RunOutcome::signaled;
    result.signal = code - 128;
    return;
  }
  result.outcome = RunOutcome::exited;
  result.exit_code = code;
}

// Fills the confined part of `plan` from `launch`; the plan points into it.
void plan_confined_run(const RunLimits& limits, ConfinedLaunch& launch, ChildPlan& plan) {
  plan.confined = &launch;
  for (std::string& variable : launch.environment) {
    plan.environment.push_back(variable.data());
  }
  plan.environment.push_back(nullptr);
  if (launch.filter != nullptr) {
    plan.filter.len = static_cast<unsigned short>(launch.filter->size());
    plan.filter.filter = const_cast<sock_filter*>(launch.filter->data());
  }
  plan.file_size = capped_limit(RLIMIT_FSIZE, limits.file_size_bytes, limits.file_size_bytes);
  plan.processes = capped_limit(RLIMIT_NPROC, limits.processes, limits.processes);
  plan.open_files = capped_limit(RLIMIT_NOFILE, limits.open_files, limits.open_files);
}

}  // namespace

RunResult run_sandboxed(const std::filesystem::path& executable,
                        const std::vector<std::string>& arguments, const std::string& input,
                        const RunLimits& limits) {
  UniqueFd input_file = make_input_file(input);
  Pipe output = make_pipe();
  Pipe channel = make_pipe();
  Pipe report = make_pipe();

  std::optional<ConfinedLaunch> launch;
  std::vector<std::string> command = {executable.string()};
  command.insert(command.end(), arguments.begin(), arguments.end());
  if (limits.confinement) {
    launch.emplace(*limits.confinement, executable, arguments);
    command = launch->argv;
  }

  ChildPlan plan;
  plan.input_fd = input_file.get();
  plan.output_fd = output.write_end.get();
  plan.channel_fd = channel.write_end.get();
  plan.report_fd = report.write_end.get();
  plan.address_space = capped_limit(RLIMIT_AS, limits.memory_bytes, limits.memory_bytes);
  plan.cpu_seconds = cpu_limit_for(limits);
  plan.parent = ::getpid();
  for (std::string& word : command) {
    plan.argv.push_back(word.data());
  }
  plan.argv.push_back(nullptr);
  if (launch) {
    plan_confined_run(limits, *launch, plan);
  }

  Clock::time_point start = Clock::now();
  pid_t pid = ::fork();
  if (pid < 0) {
    throw_system_error("fork");
  }
  if (pid == 0) {
    exec_child(plan);
  }

  ChildProcess child(pid);
  ::setpgid(pid, pid);  // also done by the child: whichever runs first wins
  input_file.reset();
  output.write_end.reset();
  channel.write_end.reset();
  report.write_end.reset();

  if (std::optional<ChildFailure> failure = read_child_failure(report.read_end)) {
    child.reap();
    throw Error(describe_failure(executable, *failure));
  }

  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  RunResult result;
  std::optional<RunOutcome> imposed =
      collect_output(child, pidfd.get(), std::move(output.read_end), std::move(channel.read_end),
                     start + limits.wall_time, limits, result);

  child.kill_group();
  int status = child.reap();
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  if (imposed) {
    result.outcome = *imposed;
  } else {
    bool under_bubblewrap = launch && limits.confinement->protections.bubblewrap;
    record_exit_status(status, under_bubblewrap, result);
  }
  return result;
}

std::string signal_name(int signal) {
  // sigabbrev_np is a GNU extension (glibc 2.32) and returns null for
  // numbers without an abbreviation, such as the real-time signals.
  const char* abbreviation = ::sigabbrev_np(signal);
  if (abbreviation == nullptr) {
    return fmt::format("signal {}", signal);
  }
  if (signal == SIGSYS) {
    return "SIGSYS (forbidden system call)";
  }
  return fmt::format("SIG{}", abbreviation);
}

std::string outcome_name(RunOutcome outcome) {
  switch (outcome) {
    case RunOutcome::exited:
      return "exited";
    case RunOutcome::signaled:
      return "signaled";
    case RunOutcome::timed_out:
      return "timed_out";
    case RunOutcome::output_flood:
      return "output_flood";
    case RunOutcome::channel_flood:
      return "channel_flood";
    case RunOutcome::cancelled:
      return "cancelled";
  }
  return "unknown";
}

}  // namespace gradlings::runner
