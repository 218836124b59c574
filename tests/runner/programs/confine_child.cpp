// A child program for confine_test: each mode tries one thing that a
// confined program may or may not do, and reports what happened on the
// channel (fd 3). argv[1] picks the mode.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <new>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

constexpr int kChannel = 3;

void report(const std::string& text) {
  if (write(kChannel, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    std::exit(90);
  }
}

std::string failure(const std::string& what) {
  return what + " failed: " + std::strerror(errno);
}

// Connects to 127.0.0.1:port. A confined child is killed at socket().
void connect_to(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    report(failure("socket"));
    return;
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    report(failure("connect"));
    return;
  }
  report("connected");
}

// Forks without end. Children keep forking too.
void fork_bomb() {
  long forks = 0;
  while (true) {
    if (fork() >= 0) {
      ++forks;
    }
    if (forks % 1000 == 0) {
      std::cout << "forks " << forks << '\n';
    }
  }
}

void write_file(const std::string& path) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    report(failure("write " + path));
    return;
  }
  if (write(fd, "written\n", 8) != 8) {
    report(failure("write " + path));
    return;
  }
  close(fd);
  report("write " + path + " ok");
}

// Prints the file to stdout and reports whether it could be read.
void read_file(const std::string& path) {
  std::ifstream file(path);
  if (!file) {
    report(failure("read " + path));
    return;
  }
  std::cout << std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  report("read " + path + " ok");
}

void allocate(std::size_t megabytes) {
  try {
    std::vector<char> block(megabytes << 20, 'x');
    report("allocated " + std::to_string(block.size() >> 20) + " MB");
  } catch (const std::bad_alloc&) {
    report("bad_alloc");
  }
}

// Reports every environment variable, one a line, then the working folder.
void describe_environment() {
  std::string text;
  for (char** variable = environ; *variable != nullptr; ++variable) {
    text += std::string(*variable) + "\n";
  }
  char folder[4096] = {};
  text += std::string("cwd=") + (getcwd(folder, sizeof folder) ? folder : "?") + "\n";
  report(text);
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  std::string argument = argc > 2 ? argv[2] : "";
  if (mode == "hello") {
    std::cout << "hello\n";
  } else if (mode == "connect") {
    connect_to(std::atoi(argument.c_str()));
  } else if (mode == "fork-bomb") {
    fork_bomb();
  } else if (mode == "thread") {
    int value = 0;
    std::thread worker([&value] { value = 42; });
    worker.join();
    report("thread set " + std::to_string(value));
  } else if (mode == "write") {
    write_file(argument);
  } else if (mode == "write-tmp") {
    const char* tmp = std::getenv("TMPDIR");
    write_file(std::string(tmp ? tmp : "/tmp") + "/scratch.txt");
  } else if (mode == "read") {
    read_file(argument);
  } else if (mode == "allocate") {
    allocate(std::strtoull(argument.c_str(), nullptr, 10));
  } else if (mode == "environment") {
    describe_environment();
  } else if (mode == "spin") {
    while (true) {
    }
  } else {
    std::cerr << "unknown mode '" << mode << "'\n";
    return 2;
  }
  return 0;
}
