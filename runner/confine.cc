#include "runner/confine.h"

#include <fmt/format.h>
#include <linux/landlock.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string_view>
#include <system_error>

#include "runner/error.h"
#include "runner/sandbox.h"

// Landlock rights newer than the kernel headers the build may have. The
// values are fixed by the kernel's ABI (include/uapi/linux/landlock.h).
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif

namespace gradlings::runner {

namespace fs = std::filesystem;

namespace {

// The folders that hold the system's programs and libraries, visible
// read-only to every confined child.
constexpr std::string_view kSystemFolders[] = {"/usr",   "/bin",   "/sbin",  "/lib",
                                               "/lib32", "/lib64", "/libx32"};
constexpr std::string_view kSystemFiles[] = {"/etc/alternatives", "/etc/ld.so.cache"};

// The environment of every confined child, besides TMPDIR.
constexpr std::string_view kEnvironment[] = {"PATH=/usr/bin:/bin", "LANG=C.UTF-8"};

// The folder bubblewrap's child starts in, inside its private /tmp.
constexpr std::string_view kBubblewrapWorkFolder = "/tmp/work";

// Landlock's system calls, which glibc does not wrap. The field layouts
// follow the kernel's ABI; a field a kernel does not know is left out of the
// size passed, because a kernel rejects unknown nonzero fields.
struct RulesetAttributes {
  std::uint64_t handled_access_fs = 0;
  std::uint64_t handled_access_net = 0;
  std::uint64_t scoped = 0;
};

struct [[gnu::packed]] PathBeneathAttributes {
  std::uint64_t allowed_access;
  std::int32_t parent_fd;
};

constexpr int kLandlockRulePathBeneath = 1;
constexpr std::uint32_t kLandlockCreateRulesetVersion = 1U << 0;
constexpr std::uint64_t kLandlockNetBindTcp = 1U << 0;
constexpr std::uint64_t kLandlockNetConnectTcp = 1U << 1;
constexpr std::uint64_t kLandlockScopeAbstractUnixSocket = 1U << 0;
constexpr std::uint64_t kLandlockScopeSignal = 1U << 1;

// Returns the Landlock ABI version the kernel supports, or 0 without Landlock.
int landlock_abi() {
  long version = ::syscall(SYS_landlock_create_ruleset, nullptr, 0, kLandlockCreateRulesetVersion);
  return version < 0 ? 0 : static_cast<int>(version);
}

// Returns every file system right that Landlock ABI `abi` defines.
std::uint64_t landlock_fs_rights(int abi) {
  std::uint64_t rights = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;  // ABI 1: bits 0 to 12
  if (abi >= 2) {
    rights |= LANDLOCK_ACCESS_FS_REFER;
  }
  if (abi >= 3) {
    rights |= LANDLOCK_ACCESS_FS_TRUNCATE;
  }
  if (abi >= 5) {
    rights |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
  }
  return rights;
}

// The rights that Landlock accepts on a rule for a file rather than a folder.
constexpr std::uint64_t kLandlockFileRights =
    LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE |
    LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV;

constexpr std::uint64_t kLandlockRead = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;

// Allows `rights` below `path`. A path that does not exist is skipped.
void allow_path(int ruleset, const fs::path& path, std::uint64_t rights, std::uint64_t handled) {
  UniqueFd file(::open(path.c_str(), O_PATH | O_CLOEXEC));
  if (!file.valid()) {
    return;
  }
  struct stat info {};
  ::fstat(file.get(), &info);
  rights &= handled;
  if (!S_ISDIR(info.st_mode)) {
    rights &= kLandlockFileRights;
  }
  PathBeneathAttributes rule{rights, file.get()};
  if (::syscall(SYS_landlock_add_rule, ruleset, kLandlockRulePathBeneath, &rule, 0) != 0) {
    throw std::system_error(errno, std::generic_category(),
                            fmt::format("landlock_add_rule for '{}'", path.string()));
  }
}

// Builds the Landlock ruleset for a confinement. It allows reading and
// executing in the system's folders, reading in read_only, and everything but
// executing in writable and the private folder. From ABI 4 on it also denies
// TCP, and from ABI 6 on signals and abstract sockets that leave the sandbox.
UniqueFd make_landlock_ruleset(const Confinement& confinement, const fs::path& executable,
                               const fs::path& private_folder) {
  int abi = landlock_abi();
  RulesetAttributes attributes;
  attributes.handled_access_fs = landlock_fs_rights(abi);
  std::size_t size = sizeof(std::uint64_t);
  if (abi >= 4) {
    attributes.handled_access_net = kLandlockNetBindTcp | kLandlockNetConnectTcp;
    size = 2 * sizeof(std::uint64_t);
  }
  if (abi >= 6) {
    attributes.scoped = kLandlockScopeAbstractUnixSocket | kLandlockScopeSignal;
    size = sizeof attributes;
  }
  UniqueFd ruleset(static_cast<int>(::syscall(SYS_landlock_create_ruleset, &attributes, size, 0)));
  if (!ruleset.valid()) {
    throw_system_error("landlock_create_ruleset");
  }

  std::uint64_t handled = attributes.handled_access_fs;
  for (std::string_view folder : kSystemFolders) {
    allow_path(ruleset.get(), folder, kLandlockRead | LANDLOCK_ACCESS_FS_EXECUTE, handled);
  }
  for (std::string_view file : kSystemFiles) {
    allow_path(ruleset.get(), file, kLandlockRead, handled);
  }
  for (std::string_view device : {"/dev/zero", "/dev/urandom", "/dev/random"}) {
    allow_path(ruleset.get(), device, kLandlockRead, handled);
  }
  allow_path(ruleset.get(), "/dev/null", kLandlockRead | LANDLOCK_ACCESS_FS_WRITE_FILE, handled);
  allow_path(ruleset.get(), executable, kLandlockRead | LANDLOCK_ACCESS_FS_EXECUTE, handled);
  for (const fs::path& path : confinement.read_only) {
    allow_path(ruleset.get(), path, kLandlockRead, handled);
  }
  for (const fs::path& path : confinement.writable) {
    allow_path(ruleset.get(), path, handled & ~LANDLOCK_ACCESS_FS_EXECUTE, handled);
  }
  allow_path(ruleset.get(), private_folder, handled & ~LANDLOCK_ACCESS_FS_EXECUTE, handled);
  return ruleset;
}

// Returns the first `name` on PATH that is an executable file, or nothing.
fs::path find_on_path(std::string_view name) {
  const char* variable = std::getenv("PATH");
  std::string_view search = (variable != nullptr) ? variable : "/usr/bin:/bin";
  while (!search.empty()) {
    std::size_t end = std::min(search.find(':'), search.size());
    fs::path candidate = fs::path(search.substr(0, end)) / name;
    if (candidate.is_absolute() && ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    search.remove_prefix(std::min(end + 1, search.size()));
  }
  return {};
}

// The bwrap options that make the system's program folders visible: /usr and
// the other folders read-only, and the /bin or /lib links as links.
std::vector<std::string> system_folder_options() {
  std::vector<std::string> options;
  for (std::string_view folder : kSystemFolders) {
    std::string path(folder);
    struct stat info {};
    if (::lstat(path.c_str(), &info) != 0) {
      continue;
    }
    if (S_ISLNK(info.st_mode)) {
      std::error_code error;
      fs::path target = fs::read_symlink(path, error);
      if (!error) {
        options.insert(options.end(), {"--symlink", target.string(), path});
      }
    } else if (S_ISDIR(info.st_mode)) {
      options.insert(options.end(), {"--ro-bind", path, path});
    }
  }
  for (std::string_view file : kSystemFiles) {
    std::string path(file);
    if (::access(path.c_str(), F_OK) == 0) {
      options.insert(options.end(), {"--ro-bind", path, path});
    }
  }
  return options;
}

// The bwrap command line up to the program: namespaces, the file system and
// the working folder. The seccomp filter and the program follow.
std::vector<std::string> bubblewrap_options(const fs::path& bwrap) {
  std::vector<std::string> options = {bwrap.string(),  "--unshare-all", "--die-with-parent",
                                      "--new-session", "--cap-drop",    "ALL"};
  std::vector<std::string> system = system_folder_options();
  options.insert(options.end(), system.begin(), system.end());
  options.insert(options.end(), {"--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--dir",
                                 std::string(kBubblewrapWorkFolder)});
  return options;
}

struct Probe {
  fs::path bwrap;  // empty when bubblewrap is unusable
  bool landlock = false;
  bool seccomp = false;
};

// Returns true when bwrap runs /usr/bin/true (or /bin/true) with the options
// a confined run uses. The trial takes a few milliseconds.
bool bubblewrap_works(const fs::path& bwrap) {
  std::string true_program = ::access("/usr/bin/true", X_OK) == 0 ? "/usr/bin/true" : "/bin/true";
  std::vector<std::string> command = bubblewrap_options(bwrap);
  command.push_back("--");
  command.push_back(true_program);
  std::vector<std::string> arguments(command.begin() + 1, command.end());

  RunLimits limits;
  limits.wall_time = std::chrono::milliseconds(10'000);
  try {
    RunResult result = run_sandboxed(bwrap, arguments, "", limits);
    return result.outcome == RunOutcome::exited && result.exit_code == 0;
  } catch (const std::exception&) {
    return false;
  }
}

const Probe& probe() {
  static std::once_flag once;
  static Probe result;
  std::call_once(once, [] {
    fs::path bwrap = find_on_path("bwrap");
    if (!bwrap.empty() && bubblewrap_works(bwrap)) {
      result.bwrap = bwrap;
    }
    result.landlock = landlock_abi() >= 1;
    // PR_GET_SECCOMP fails with EINVAL on a kernel built without seccomp.
    result.seccomp = ::prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0;
  });
  return result;
}

fs::path make_private_folder() {
  std::string pattern = (fs::temp_directory_path() / "gradlings-run-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw_system_error("mkdtemp");
  }
  fs::path folder = pattern;
  fs::create_directory(folder / "work");
  fs::create_directory(folder / "tmp");
  return folder;
}

// Returns a memfd holding `program`, positioned at its start, for bwrap.
UniqueFd filter_memfd(const std::vector<sock_filter>& program) {
  UniqueFd memory(::memfd_create("gradlings-seccomp", MFD_CLOEXEC));
  if (!memory.valid()) {
    throw_system_error("memfd_create");
  }
  std::size_t bytes = program.size() * sizeof(sock_filter);
  if (::write(memory.get(), program.data(), bytes) != static_cast<ssize_t>(bytes) ||
      ::lseek(memory.get(), 0, SEEK_SET) != 0) {
    throw_system_error("write seccomp filter to memfd");
  }
  return memory;
}

// Returns `confinement` with every path absolute, because bubblewrap mounts
// each at that path. Throws Error for a path that does not exist.
Confinement with_absolute_paths(const Confinement& confinement) {
  Confinement absolute = confinement;
  for (auto* paths : {&absolute.read_only, &absolute.writable}) {
    for (fs::path& path : *paths) {
      std::error_code error;
      if (!fs::exists(path, error)) {
        throw Error(fmt::format("confined path '{}' not found", path.string()));
      }
      path = fs::absolute(path);
    }
  }
  return absolute;
}

}  // namespace

std::vector<std::string> protection_names(const Protections& protections) {
  std::vector<std::string> names;
  if (protections.bubblewrap) {
    names.push_back("bubblewrap");
  }
  if (protections.landlock) {
    names.push_back("landlock");
  }
  if (protections.seccomp) {
    names.push_back("seccomp");
  }
  if (protections.rlimits) {
    names.push_back("rlimits");
  }
  if (protections.bubblewrap || protections.seccomp) {
    names.push_back("no-network");
  }
  if (protections.bubblewrap || protections.landlock) {
    names.push_back("private-tmp");
  }
  return names;
}

Protections detect_protections(bool allow_bubblewrap) {
  const Probe& found = probe();
  Protections protections;
  protections.bubblewrap = allow_bubblewrap && !found.bwrap.empty();
  protections.landlock = !protections.bubblewrap && found.landlock;
  protections.seccomp = found.seccomp;
  protections.rlimits = true;
  return protections;
}

ConfinedLaunch::ConfinedLaunch(const Confinement& requested, const fs::path& program,
                               const std::vector<std::string>& arguments) {
  // bwrap would report a missing program only as its own exit status 1.
  if (::access(program.c_str(), X_OK) != 0) {
    throw Error(fmt::format("failed to start '{}': {}", program.string(), std::strerror(errno)));
  }
  fs::path executable = fs::absolute(program);
  Confinement confinement = with_absolute_paths(requested);
  const Protections& protections = confinement.protections;
  const std::vector<sock_filter>* program_filter =
      protections.seccomp ? &seccomp_filter(confinement.policy) : nullptr;
  environment.assign(std::begin(kEnvironment), std::end(kEnvironment));

  if (protections.bubblewrap) {
    const fs::path& bwrap = probe().bwrap;
    if (bwrap.empty()) {
      throw Error("bubblewrap was requested but 'bwrap' is missing or fails (use --no-bubblewrap)");
    }
    argv = bubblewrap_options(bwrap);
    for (const fs::path& path : confinement.read_only) {
      argv.insert(argv.end(), {"--ro-bind", path.string(), path.string()});
    }
    for (const fs::path& path : confinement.writable) {
      argv.insert(argv.end(), {"--bind", path.string(), path.string()});
    }
    argv.insert(argv.end(), {"--ro-bind", executable.string(), executable.string(), "--chdir",
                             std::string(kBubblewrapWorkFolder)});
    if (program_filter != nullptr) {
      bubblewrap_filter = filter_memfd(*program_filter);
      argv.insert(argv.end(), {"--seccomp", std::to_string(kSeccompFd)});
    }
    argv.push_back("--");
    environment.push_back("TMPDIR=/tmp");  // bwrap adds PWD itself
  } else {
    private_folder = make_private_folder();
    working_folder = (private_folder / "work").string();
    environment.push_back("TMPDIR=" + (private_folder / "tmp").string());
    environment.push_back("PWD=" + working_folder);
    if (protections.landlock) {
      landlock_ruleset = make_landlock_ruleset(confinement, executable, private_folder);
    }
    filter = program_filter;
  }
  argv.push_back(executable.string());
  argv.insert(argv.end(), arguments.begin(), arguments.end());
}

ConfinedLaunch::~ConfinedLaunch() {
  if (!private_folder.empty()) {
    std::error_code ignored;
    fs::remove_all(private_folder, ignored);
  }
}

}  // namespace gradlings::runner
