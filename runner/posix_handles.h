// Owning handles for two POSIX resources: a file descriptor and a child
// process. Header-only, for the sandbox.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <utility>

namespace gradlings::runner {

/// Throws std::system_error for the current errno, with `what` naming the call.
[[noreturn]] inline void throw_system_error(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

/// An owned file descriptor, closed on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    reset(std::exchange(other.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  /// The descriptor, or -1 when nothing is owned.
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

  /// Closes the owned descriptor, if any, and takes ownership of `fd`.
  void reset(int fd = -1) {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

/// Both ends of a pipe, each opened with O_CLOEXEC.
struct Pipe {
  UniqueFd read_end;
  UniqueFd write_end;
};

/// Opens a pipe with O_CLOEXEC on both ends, so a concurrent fork and exec
/// elsewhere in the process cannot inherit it. Throws std::system_error.
inline Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    throw_system_error("pipe2");
  }
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

/// A forked child that leads its own process group. The destructor kills
/// the group and reaps the child unless reap() already did.
class ChildProcess {
 public:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() {
    if (!reaped_) {
      kill_group();
      reap();
    }
  }

  /// Sends SIGKILL to every process in the child's group. Call it only before
  /// reap(), because until then the child's process id, which is the group id,
  /// cannot be reused by an unrelated process.
  void kill_group() const {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);  // in case the child has not yet called setpgid
  }

  /// True once the child has exited. It is left unreaped (WNOWAIT), so
  /// kill_group() stays safe.
  bool has_exited() const {
    siginfo_t info{};
    int rc = ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT);
    return rc == 0 && info.si_pid != 0;
  }

  /// Waits for the child to exit, reaps it and returns its wait status.
  int reap() {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
    return status;
  }

 private:
  pid_t pid_;
  bool reaped_ = false;
};

}  // namespace gradlings::runner
