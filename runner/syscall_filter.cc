// The seccomp filters of confine.h, built with libseccomp.
#include <fcntl.h>
#include <fmt/format.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <mutex>

#include "runner/confine.h"
#include "runner/error.h"

namespace gradlings::runner {
namespace {

// Killed under both policies: the network, debugging other processes, and
// changes to mounts, namespaces, the kernel and the clock. io_uring is here
// because its operations bypass seccomp.
constexpr const char* kAlwaysKilled[] = {
    "socket",
    "socketpair",
    "connect",
    "bind",
    "listen",
    "accept",
    "accept4",
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "unshare",
    "setns",
    "fsopen",
    "fsmount",
    "fsconfig",
    "fspick",
    "move_mount",
    "open_tree",
    "mount_setattr",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "keyctl",
    "add_key",
    "request_key",
    "open_by_handle_at",
    "name_to_handle_at",
    "reboot",
    "swapon",
    "swapoff",
    "acct",
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "adjtimex",
    "sethostname",
    "setdomainname",
    "iopl",
    "ioperm",
    "quotactl",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
};

// Killed under the program policy: creating a process. clone is listed apart,
// because a clone with CLONE_THREAD (a new thread) stays allowed.
constexpr const char* kProcessCreation[] = {"fork", "vfork"};

// Failing with EACCES under the program policy: changes to the file system
// other than opening a file for writing, which has its own rules.
constexpr const char* kFileChanges[] = {
    "creat",   "unlink",  "unlinkat", "rename",   "renameat", "renameat2", "mkdir",
    "mkdirat", "rmdir",   "link",     "linkat",   "symlink",  "symlinkat", "truncate",
    "mknod",   "mknodat", "chmod",    "fchmodat", "chown",    "lchown",    "fchownat",
};

using FilterContext = std::unique_ptr<void, decltype(&seccomp_release)>;

// Adds a rule for the system call `name`. A name that this architecture lacks
// (libseccomp resolves it to a negative pseudo number) is skipped.
void add_rule(scmp_filter_ctx context, std::uint32_t action, const char* name,
              std::initializer_list<scmp_arg_cmp> conditions = {}) {
  int number = seccomp_syscall_resolve_name(name);
  if (number < 0) {
    return;
  }
  int rc = seccomp_rule_add_array(context, action, number, static_cast<unsigned>(conditions.size()),
                                  conditions.begin());
  if (rc != 0) {
    throw Error(fmt::format("failed to add a seccomp rule for '{}': {}", name, std::strerror(-rc)));
  }
}

// Makes opening a file for writing, creating or truncating fail with EACCES.
// `flags_argument` is the index of the flags argument: 1 for open, 2 for openat.
void deny_writing_opens(scmp_filter_ctx context, const char* name, unsigned flags_argument) {
  for (int flag : {O_WRONLY, O_RDWR, O_CREAT, O_TRUNC}) {
    auto bit = static_cast<scmp_datum_t>(flag);
    add_rule(context, SCMP_ACT_ERRNO(EACCES), name,
             {scmp_arg_cmp{flags_argument, SCMP_CMP_MASKED_EQ, bit, bit}});
  }
}

void add_program_rules(scmp_filter_ctx context) {
  for (const char* name : kProcessCreation) {
    add_rule(context, SCMP_ACT_KILL_PROCESS, name);
  }
  auto thread = static_cast<scmp_datum_t>(CLONE_THREAD);
  add_rule(context, SCMP_ACT_KILL_PROCESS, "clone",
           {scmp_arg_cmp{0, SCMP_CMP_MASKED_EQ, thread, 0}});

  // clone3 passes its flags in memory, where seccomp cannot look. ENOSYS
  // makes glibc fall back to clone, whose flags the rule above checks.
  add_rule(context, SCMP_ACT_ERRNO(ENOSYS), "clone3");

  deny_writing_opens(context, "open", 1);
  deny_writing_opens(context, "openat", 2);
  add_rule(context, SCMP_ACT_ERRNO(ENOSYS), "openat2");  // its flags are in memory too
  for (const char* name : kFileChanges) {
    add_rule(context, SCMP_ACT_ERRNO(EACCES), name);
  }

  // kill(-1, ...) signals every process the user may signal. Without
  // bubblewrap's pid namespace that includes the grader itself.
  add_rule(context, SCMP_ACT_ERRNO(EPERM), "kill",
           {scmp_arg_cmp{0, SCMP_CMP_MASKED_EQ, 0xffffffffU, 0xffffffffU}});
}

std::vector<sock_filter> export_filter(scmp_filter_ctx context) {
  UniqueFd memory(::memfd_create("gradlings-seccomp", MFD_CLOEXEC));
  if (!memory.valid()) {
    throw_system_error("memfd_create");
  }
  int rc = seccomp_export_bpf(context, memory.get());
  if (rc != 0) {
    throw Error(fmt::format("failed to export the seccomp filter: {}", std::strerror(-rc)));
  }

  off_t size = ::lseek(memory.get(), 0, SEEK_END);
  if (size < 0 || size % static_cast<off_t>(sizeof(sock_filter)) != 0) {
    throw Error(fmt::format("seccomp filter of invalid size {}", static_cast<long long>(size)));
  }
  std::vector<sock_filter> program(static_cast<std::size_t>(size) / sizeof(sock_filter));
  if (::pread(memory.get(), program.data(), static_cast<std::size_t>(size), 0) != size) {
    throw_system_error("read seccomp filter");
  }
  return program;
}

std::vector<sock_filter> build_filter(SyscallPolicy policy) {
  FilterContext context(seccomp_init(SCMP_ACT_ALLOW), &seccomp_release);
  if (context == nullptr) {
    throw Error("failed to create a seccomp filter (seccomp_init)");
  }

  for (const char* name : kAlwaysKilled) {
    add_rule(context.get(), SCMP_ACT_KILL_PROCESS, name);
  }
  if (policy == SyscallPolicy::program) {
    add_program_rules(context.get());
  }
  return export_filter(context.get());
}

}  // namespace

const std::vector<sock_filter>& seccomp_filter(SyscallPolicy policy) {
  static std::once_flag compiler_once;
  static std::once_flag program_once;
  static std::vector<sock_filter> compiler_filter;
  static std::vector<sock_filter> program_filter;

  if (policy == SyscallPolicy::compiler) {
    std::call_once(compiler_once, [] { compiler_filter = build_filter(SyscallPolicy::compiler); });
    return compiler_filter;
  }
  std::call_once(program_once, [] { program_filter = build_filter(SyscallPolicy::program); });
  return program_filter;
}

}  // namespace gradlings::runner
