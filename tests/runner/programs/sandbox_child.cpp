// A child program for sandbox_test. argv[1] picks the behaviour under test.
// Results meant for the test go to the channel (fd 3), noise to stdout.
#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

namespace {

constexpr int kChannel = 3;

void write_all(int fd, const std::string& bytes) {
  std::size_t written = 0;
  while (written < bytes.size()) {
    ssize_t n = write(fd, bytes.data() + written, bytes.size() - written);
    if (n <= 0) {
      std::exit(90);
    }
    written += static_cast<std::size_t>(n);
  }
}

std::string read_stdin() {
  return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
}

// Writes the open file descriptors, except the one used to list them.
void list_fds() {
  DIR* folder = opendir("/proc/self/fd");
  std::string listed;
  while (dirent* entry = readdir(folder)) {
    if (entry->d_name[0] == '.' || std::atoi(entry->d_name) == dirfd(folder)) {
      continue;
    }
    listed += std::string(entry->d_name) + " ";
  }
  closedir(folder);
  write_all(kChannel, listed);
}

void report_limits() {
  rlimit core{}, address_space{}, cpu{};
  getrlimit(RLIMIT_CORE, &core);
  getrlimit(RLIMIT_AS, &address_space);
  getrlimit(RLIMIT_CPU, &cpu);
  write_all(kChannel, "core=" + std::to_string(core.rlim_cur) +
                          " as=" + std::to_string(address_space.rlim_cur) + " cpu=" +
                          std::to_string(cpu.rlim_cur) + "/" + std::to_string(cpu.rlim_max));
}

void report_process() {
  struct sigaction pipe_action {};
  sigaction(SIGPIPE, nullptr, &pipe_action);
  sigset_t mask;
  sigprocmask(SIG_SETMASK, nullptr, &mask);
  write_all(kChannel, std::string("group_leader=") + (getpgrp() == getpid() ? "yes" : "no") +
                          " sigpipe=" + (pipe_action.sa_handler == SIG_DFL ? "default" : "other") +
                          " usr1_blocked=" + (sigismember(&mask, SIGUSR1) ? "yes" : "no"));
}

// Forks a grandchild that sleeps with the pipes open, reports its pid on the
// channel and exits. With `leave_group`, the grandchild first moves to a new
// session, out of the sandbox's process group.
int start_sleeping_grandchild(bool leave_group) {
  pid_t grandchild = fork();
  if (grandchild == 0) {
    if (leave_group) {
      setsid();
    }
    sleep(30);
    _exit(0);
  }
  write_all(kChannel, std::to_string(grandchild));
  write_all(STDOUT_FILENO, "child done\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";

  if (mode == "exit") {
    std::printf("to stdout\n");
    std::fflush(stdout);
    std::fprintf(stderr, "to stderr\n");
    return std::atoi(argv[2]);
  }
  if (mode == "echo-stdin") {
    std::string input = read_stdin();
    write_all(kChannel, input);
    std::printf("read %zu bytes\n", input.size());
    return 0;
  }
  if (mode == "arguments") {
    for (int i = 0; i < argc; ++i) {
      write_all(kChannel, std::string(argv[i]) + "|");
    }
    return 0;
  }
  if (mode == "channel") {
    for (int i = 0; i < 100; ++i) {
      std::printf("noise %d\n", i);
      std::fflush(stdout);
      write_all(kChannel, "record " + std::to_string(i) + "\n");
    }
    return 0;
  }
  if (mode == "segv") {
    volatile int* null = nullptr;
    *null = 1;
    return 0;
  }
  if (mode == "abort") {
    std::abort();
  }
  if (mode == "spin") {
    std::atomic<unsigned long> counter{0};
    while (true) {
      counter.fetch_add(1, std::memory_order_relaxed);
    }
  }
  if (mode == "flood") {
    std::string block(64 << 10, 'x');
    for (int i = 0; i < 1600; ++i) {  // 100 MiB
      write_all(STDOUT_FILENO, block);
    }
    return 0;
  }
  if (mode == "channel-flood") {
    write_all(kChannel, std::string(2 << 20, 'r'));
    return 0;
  }
  if (mode == "allocate") {
    std::size_t size = 4ull << 30;
    char* memory = new char[size];
    std::memset(memory, 1, size);
    std::printf("allocated %d\n", memory[size - 1]);
    return 0;
  }
  if (mode == "fds") {
    list_fds();
    return 0;
  }
  if (mode == "limits") {
    report_limits();
    return 0;
  }
  if (mode == "process") {
    report_process();
    return 0;
  }
  if (mode == "grandchild") {
    return start_sleeping_grandchild(false);
  }
  if (mode == "escaped-grandchild") {
    return start_sleeping_grandchild(true);
  }
  if (mode == "sleep-with-grandchild") {
    pid_t grandchild = fork();
    if (grandchild == 0) {
      sleep(30);
      _exit(0);
    }
    write_all(kChannel, std::to_string(grandchild));
    write_all(STDOUT_FILENO, "sleeping\n");
    sleep(30);
    return 0;
  }
  std::fprintf(stderr, "unknown mode '%s'\n", mode.c_str());
  return 99;
}
