"""Builds a synthetic class of submissions for the end-to-end tests of
`runner grade`, and the verdict and points each one must get.

Every submission is a shipped solution with a small textual change: a typical
mistake, a fault, or an attack on the grader. The class is laid out the way
`runner grade` reads it, CLASS/<folder>/<lesson slug>/exercise.cpp, and every
folder is graded on lessons 2, 3 and 7, so a folder without one of them gets
missing_file there.

Usage: python3 make_class.py CLASS --solutions DIR --lessons DIR
           --expected FILE.csv --token WORD --secret-file PATH
           --escape-dir DIR --port N

expected.csv has the columns folder, lesson, verdict, points and group.
  points  "max" for full marks, "0" for none, else the exact partial value.
  group   correct, mistake, fault or attack. The tests rerun the attacks
          without bubblewrap.

Where two verdicts are defensible, the comment at the submission names the
one the rules imply. Every attack ends in the same verdict whether the attack
is blocked with an error code or the program is killed for trying, so the
verdict does not depend on which protections are in force.
"""

import argparse
import csv
import json
import os
import pathlib
import re
import sys

LESSON_SLUGS = {2: "02-two-layer-network", 3: "03-xor", 7: "07-network-from-scratch"}
GRADED = sorted(LESSON_SLUGS)

# Lines of the lesson 2 solution that the changes hook into.
INCLUDE = '#include "two_layer_network.h"\n'
SIGMOID = "double sigmoid(double z) {\n"
FORWARD = "Forward forward(const Params& params, double x) {\n"
BACKWARD = ("Gradients backward(const Params& params, const Forward& values, double x, "
            "double target) {\n")
UPDATE = ("Params update(const Params& params, const Gradients& gradients, "
          "double learning_rate) {\n")
BACKWARD_RETURN = "  g.dL_db1 = g.dL_dz1;\n  return g;\n"


def replace_once(text, old, new):
    """Returns text with the single occurrence of old replaced by new."""
    count = text.count(old)
    if count != 1:
        raise SystemExit(f"make_class: error: '{old.strip()}' occurs {count} times, expected once")
    return text.replace(old, new)


def mutate(text, *pairs):
    for old, new in pairs:
        text = replace_once(text, old, new)
    return text


def c_string(text):
    """Returns text as a C++ string literal."""
    return json.dumps(str(text))


def with_prelude(text, includes, prelude=""):
    """Adds standard headers before the lesson header and code after it."""
    text = replace_once(text, INCLUDE, "".join(f"#include <{h}>\n" for h in includes) + INCLUDE)
    return replace_once(text, INCLUDE, INCLUDE + prelude)


def hooked(text, function_line, body, includes=(), prelude=""):
    """Runs body at the start of the function that function_line opens."""
    text = with_prelude(text, includes, prelude)
    return replace_once(text, function_line, function_line + body)


# ---------------------------------------------------------------------------
# Points: the oracle for max_points, read from lesson.yaml independently of
# the runner.

def _block(lines, key):
    """Returns the indented lines of the top-level block `key:`."""
    out, inside = [], False
    for line in lines:
        if re.match(rf"^{key}:", line):
            inside = True
            continue
        if inside and line and not line[0].isspace() and not line.startswith("#"):
            break
        if inside:
            out.append(line)
    return out


def lesson_points(lessons_dir, slug):
    """Returns (public cases, hidden cases, points per public case, per hidden
    case) of a lesson. Points default to 1 each without a points block."""
    lines = (pathlib.Path(lessons_dir) / slug / "lesson.yaml").read_text().splitlines()
    public = sum(1 for line in _block(lines, "cases") if re.match(r"^  - name:", line))
    hidden = sum(int(m.group(1)) for line in _block(lines, "hidden")
                 if (m := re.match(r"^\s+count:\s*(\d+)", line)))
    public_points, hidden_points = 1.0, 1.0
    for line in _block(lines, "points"):
        m = re.match(r"^\s+(\w+):\s*([0-9.eE+-]+)", line)
        if m and m.group(1).startswith("public"):
            public_points = float(m.group(2))
        elif m and m.group(1).startswith("hidden"):
            hidden_points = float(m.group(2))
    return public, hidden, public_points, hidden_points


def max_points(lessons_dir, slug):
    public, hidden, public_points, hidden_points = lesson_points(lessons_dir, slug)
    return public * public_points + hidden * hidden_points


def format_points(points):
    """The runner's format: the shortest decimal with at most three places."""
    text = f"{round(points, 3):.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


# ---------------------------------------------------------------------------
# The submissions.

class ClassBuilder:
    def __init__(self, args):
        self.root = pathlib.Path(args.class_dir)
        self.solutions = pathlib.Path(args.solutions).resolve()
        self.lessons = pathlib.Path(args.lessons).resolve()
        self.token = args.token
        self.args = args
        self.rows = []
        self.folders = []

    def solution(self, number):
        return (self.solutions / LESSON_SLUGS[number] / "exercise.cpp").read_text()

    def stub(self, number):
        return (self.lessons / LESSON_SLUGS[number] / "exercise.cpp").read_text()

    def exercise_path(self, folder, number):
        return self.root.resolve() / folder / LESSON_SLUGS[number] / "exercise.cpp"

    def add(self, folder, group, files, expected):
        """files: lesson number -> source text, or a callable that creates the
        file itself. expected: lesson number -> (verdict, points); lessons not
        in it expect missing_file."""
        if folder in self.folders:
            raise SystemExit(f"make_class: error: folder '{folder}' added twice")
        self.folders.append(folder)
        (self.root / folder).mkdir(parents=True)
        for number, source in files.items():
            path = self.root / folder / LESSON_SLUGS[number] / "exercise.cpp"
            path.parent.mkdir(parents=True)
            if callable(source):
                source(path)
            else:
                path.write_text(source)
        for number in GRADED:
            verdict, points = expected.get(number, ("missing_file", "0"))
            self.rows.append({"folder": folder, "lesson": number, "verdict": verdict,
                              "points": points, "group": group})

    def write_expected(self, path):
        with open(path, "w", newline="") as out:
            writer = csv.DictWriter(out, ["folder", "lesson", "verdict", "points", "group"])
            writer.writeheader()
            for row in sorted(self.rows, key=lambda r: (r["folder"], r["lesson"])):
                writer.writerow(row)


def add_correct(b):
    solution = b.solution(2)
    # Byte-identical sources: the grader compiles them once.
    for folder in ("correct_a", "correct_b", "correct_c"):
        b.add(folder, "correct", {2: solution}, {2: ("passed", "max")})
    # The same program with other bytes, and one that prints while it works.
    b.add("correct_commented", "correct",
          {2: "// My solution, checked twice.\n" + solution}, {2: ("passed", "max")})
    b.add("correct_chatty", "correct",
          {2: hooked(solution, BACKWARD, '  std::printf("backward at x = %g\\n", x);\n',
                     ["cstdio"])},
          {2: ("passed", "max")})
    # The submission that the attacks try to read and overwrite.
    b.add("victim", "correct", {2: f"// victim-{b.token}\n" + solution}, {2: ("passed", "max")})

    # Lessons 3 and 7 share one solution file: identical bytes graded against
    # two harnesses must not share one build.
    xor, scratch = b.solution(3), b.solution(7)
    b.add("xor_correct", "correct", {3: xor}, {3: ("passed", "max")})
    b.add("all_three", "correct", {2: solution, 3: xor, 7: scratch},
          {2: ("passed", "max"), 3: ("passed", "max"), 7: ("passed", "max")})
    b.add("scratch_correct", "correct", {7: scratch}, {7: ("passed", "max")})


LESSON2_MISTAKES = {
    "error_doubled": ("g.dL_da2 = values.a2 - target;", "g.dL_da2 = 2.0 * (values.a2 - target);"),
    "error_sign_flipped": ("g.dL_da2 = values.a2 - target;", "g.dL_da2 = target - values.a2;"),
    "error_scaled": ("g.dL_da2 = values.a2 - target;", "g.dL_da2 = 1.3 * (values.a2 - target);"),
    "output_derivative_missing": ("g.dL_dz2 = g.dL_da2 * g.da2_dz2;", "g.dL_dz2 = g.dL_da2;"),
    "output_derivative_constant": ("g.da2_dz2 = values.a2 * (1.0 - values.a2);",
                                   "g.da2_dz2 = 1.0;"),
    "output_derivative_at_z": ("g.da2_dz2 = values.a2 * (1.0 - values.a2);",
                               "g.da2_dz2 = values.z2 * (1.0 - values.z2);"),
    "hidden_derivative_of_a": ("g.da1_dz1 = values.a1 * (1.0 - values.a1);",
                               "g.da1_dz1 = sigmoid(values.a1) * (1.0 - sigmoid(values.a1));"),
    "w2_updated_first": ("g.dL_da1 = g.dL_dz2 * params.w2;",
                         "double w2 = params.w2 - 0.1 * g.dL_dw2;\n  g.dL_da1 = g.dL_dz2 * w2;"),
    "update_uphill": ("next.w1 = params.w1 - learning_rate * gradients.dL_dw1;",
                      "next.w1 = params.w1 + learning_rate * gradients.dL_dw1;"),
}


def add_mistakes(b):
    solution = b.solution(2)
    # Each mistake changes a value of every case, so no case scores.
    for name, (old, new) in LESSON2_MISTAKES.items():
        b.add(name, "mistake", {2: mutate(solution, (old, new))}, {2: ("wrong", "0")})

    # Wrong only when x is exactly 1.0, the public case's input. Hidden inputs
    # are drawn from [-3, 3] and are never exactly 1.0, so every hidden case
    # scores and the public one does not.
    public, hidden, public_points, hidden_points = lesson_points(b.lessons, LESSON_SLUGS[2])
    b.add("public_case_only", "mistake",
          {2: mutate(solution, ("g.dL_dw1 = g.dL_dz1 * x;",
                                "g.dL_dw1 = g.dL_dz1 * x;\n  if (x == 1.0) g.dL_dw1 *= 1.01;"))},
          {2: ("wrong", format_points(hidden * hidden_points))})

    b.add("stub", "mistake", {2: b.stub(2)}, {2: ("not_implemented", "0")})
    b.add("xor_stub", "mistake", {3: b.stub(3)}, {3: ("not_implemented", "0")})
    # The sigmoid's derivative at z in the hidden layer: every XOR case has a
    # hidden layer, so every case is wrong.
    b.add("xor_derivative_at_z", "mistake",
          {3: mutate(b.solution(3), ("below[i] = sum * input[i] * (1.0 - input[i]);",
                                     "below[i] = sum * pass.z[l - 1][i] * (1.0 - pass.z[l - 1][i]);"))},
          {3: ("wrong", "0")})
    # Lesson 7 draws networks of one layer too, which have no hidden layer, so
    # its mistake is in the output layer, which every case has.
    b.add("scratch_delta_doubled", "mistake",
          {7: mutate(b.solution(7),
                     ("delta[j] = (output[j] - target[j]) * output[j] * (1.0 - output[j]);",
                      "delta[j] = 2.0 * (output[j] - target[j]) * output[j] * (1.0 - output[j]);"))},
          {7: ("wrong", "0")})


def add_faults(b):
    solution = b.solution(2)
    zero = "0"

    def fault(folder, verdict, source):
        b.add(folder, "fault", {2: source}, {2: (verdict, zero)})

    fault("compile_error", "compile_error", mutate(solution, ("return next;", "return next")))
    fault("segfault", "crashed",
          hooked(solution, BACKWARD, "  volatile int* volatile nowhere = nullptr;\n  *nowhere = 42;\n"))
    fault("abort", "crashed", hooked(solution, BACKWARD, "  std::abort();\n", ["cstdlib"]))
    # Caught by the harness's stage wrapper, so the program ends normally;
    # grading.h files an exception under crashed.
    fault("exception", "crashed",
          hooked(solution, BACKWARD, '  throw std::runtime_error("backward gave up");\n',
                 ["stdexcept"]))
    # Thrown before main, where nothing catches it: std::terminate, SIGABRT.
    fault("exception_before_main", "crashed",
          with_prelude(solution, ["stdexcept"],
                       "\nnamespace {\nint refuse() { throw std::runtime_error(\"no\"); }\n"
                       "[[maybe_unused]] const int kRefused = refuse();\n}  // namespace\n"))
    fault("infinite_loop", "timed_out",
          hooked(solution, SIGMOID, "  for (volatile unsigned long spin = 0;; spin = spin + 1) {\n"
                                    "  }\n"))
    fault("long_sleep", "timed_out",
          hooked(solution, SIGMOID, "  std::this_thread::sleep_for(std::chrono::hours(1));\n",
                 ["chrono", "thread"]))
    # The first wrong value is NaN.
    fault("nan", "invalid_output",
          mutate(solution, ("g.dL_dz1 = g.dL_da1 * g.da1_dz1;",
                            "g.dL_dz1 = g.dL_da1 * g.da1_dz1 * std::nan(\"\");")))
    # exit(0) in the middle of the first step: the run ends before the
    # harness's `end` record, which grading.h files under invalid_output.
    fault("exit_early", "invalid_output", hooked(solution, UPDATE, "  std::exit(0);\n", ["cstdlib"]))
    # Allocates 256 MiB blocks until new throws std::bad_alloc at the
    # address-space limit. It leaves the pages untouched, so the hog is fast.
    # Past 16 GiB it stops and throws, which shows as crashed: no limit held.
    fault("memory_hog", "memory_limit",
          hooked(solution, SIGMOID,
                 "  static std::vector<char*> hoard;\n"
                 "  for (int block = 0; block < 64; ++block) {\n"
                 "    hoard.push_back(new char[256u << 20]);\n"
                 "    hoard.back()[0] = 1;\n"
                 "  }\n"
                 '  throw std::runtime_error("16 GiB and no memory limit");\n',
                 ["stdexcept", "vector"]))
    fault("output_flood", "output_limit",
          hooked(solution, SIGMOID,
                 '  for (;;) std::fputs("all work and no play makes the grader dull\\n", stdout);\n',
                 ["cstdio"]))

    # A folder with a misnamed file only.
    b.add("no_file", "fault",
          {2: lambda path: path.with_name("exercise.cc").write_text(solution)},
          {2: ("missing_file", "0")})
    # The folder exists, the lesson folder does not.
    b.add("empty_folder", "fault", {}, {})


def add_process_attacks(b):
    solution = b.solution(2)
    bomb = f"glb{b.token[:8]}"
    daemon = f"gld{b.token[:8]}"
    process_headers = ["stdexcept", "sys/prctl.h", "unistd.h"]

    # Bounded at 256 processes, so that a grader without a process limit does
    # not take the machine down: the children park in pause(). Whether fork()
    # fails at the process limit or seccomp kills the caller, the verdict is
    # crashed: the exception below, or the signal.
    b.add("fork_bomb", "attack",
          {2: hooked(solution, SIGMOID,
                     "  static bool bombed = false;\n"
                     "  for (int i = 0; !bombed && i < 256; ++i) {\n"
                     "    pid_t child = fork();\n"
                     "    if (child < 0) break;\n"
                     "    if (child == 0) {\n"
                     f"      prctl(PR_SET_NAME, {c_string(bomb)});\n"
                     "      for (;;) pause();\n"
                     "    }\n"
                     "  }\n"
                     "  bombed = true;\n"
                     '  throw std::runtime_error("the fork bomb went off");\n',
                     process_headers)},
          {2: ("crashed", "0")})
    # A child that leaves the process group and outlives the run.
    b.add("daemon", "attack",
          {2: hooked(solution, SIGMOID,
                     "  static bool spawned = false;\n"
                     "  if (!spawned && fork() == 0) {\n"
                     "    setsid();\n"
                     f"    prctl(PR_SET_NAME, {c_string(daemon)});\n"
                     "    sleep(60);\n"
                     "    _exit(0);\n"
                     "  }\n"
                     "  spawned = true;\n"
                     '  throw std::runtime_error("left a daemon behind");\n',
                     process_headers)},
          {2: ("crashed", "0")})


READ_ALL = """
namespace {
// The whole file, or "unreadable".
std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "unreadable";
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (char& c : text) if (c == '\\0') c = ' ';
  return text;
}

// Shows text every way a program can: stdout, stderr and an exception.
[[noreturn]] void exfiltrate(const std::string& text) {
  std::fprintf(stdout, "%s\\n", text.c_str());
  std::fprintf(stderr, "%s\\n", text.c_str());
  throw std::runtime_error(text);
}
}  // namespace
"""
READ_HEADERS = ["cstdio", "fstream", "iterator", "stdexcept", "string", "unistd.h"]


def add_reading_attacks(b):
    solution = b.solution(2)
    victim = b.exercise_path("victim", 2)
    shipped = b.solutions / LESSON_SLUGS[2] / "exercise.cpp"

    # The compiler must not see solutions/ or another submission. If it did,
    # these would compile into a correct program and pass.
    b.add("include_solution", "attack", {2: f"#include {c_string(shipped)}\n"},
          {2: ("compile_error", "0")})
    b.add("include_other", "attack", {2: f"#include {c_string(victim)}\n"},
          {2: ("compile_error", "0")})
    # A link in place of exercise.cpp. compile_error would be defensible too,
    # since a confined compiler cannot read the target. But the trusted parent
    # reads the source, and it must never follow a link out of the submission,
    # so it takes the link for no file at all: missing_file.
    b.add("symlink", "attack", {2: lambda path: path.symlink_to(shipped)},
          {2: ("missing_file", "0")})

    # At run time: the secret planted under the grader's solutions/, the
    # grader's command line (it contains the seed), and another submission.
    # Blocked or not, each ends in an exception: crashed. The tests check
    # that none of what they read reaches RESULTS.
    steal_secret = ("  exfiltrate(read_all(" + c_string(b.args.secret_file) + ") + \" \" +\n"
                    "             read_all(\"/proc/\" + std::to_string(getppid()) + \"/cmdline\"));\n")
    b.add("read_secret", "attack",
          {2: hooked(solution, SIGMOID, steal_secret, READ_HEADERS, READ_ALL)},
          {2: ("crashed", "0")})
    b.add("read_other", "attack",
          {2: hooked(solution, SIGMOID, f"  exfiltrate(read_all({c_string(victim)}));\n",
                     READ_HEADERS, READ_ALL)},
          {2: ("crashed", "0")})


def add_writing_attacks(b):
    solution = b.solution(2)
    escape = pathlib.Path(b.args.escape_dir).resolve()
    victim = b.exercise_path("victim", 2)
    planted = b.root.resolve() / "planted" / LESSON_SLUGS[2] / "exercise.cpp"
    targets = [escape / "written-by-submission", pathlib.Path(f"/tmp/gradlings-escape-{b.token}")]
    writes = "".join(f"  {{ std::ofstream out({c_string(t)}); out << \"escaped\\n\"; }}\n"
                     for t in targets)
    # A new student in the class, and a change to another submission.
    writes += (f"  std::filesystem::create_directories({c_string(planted.parent)}, ignored);\n"
               f"  {{ std::ofstream out({c_string(planted)}); out << \"planted\\n\"; }}\n"
               f"  {{ std::ofstream out({c_string(victim)}, std::ios::app); "
               "out << \"// overwritten\\n\"; }\n")
    # Blocked quietly or killed for trying, it ends crashed either way.
    b.add("write_outside", "attack",
          {2: hooked(solution, SIGMOID,
                     "  std::error_code ignored;\n" + writes +
                     '  throw std::runtime_error("tried to write outside");\n',
                     ["filesystem", "fstream", "stdexcept", "system_error"])},
          {2: ("crashed", "0")})

    b.add("socket", "attack",
          {2: hooked(solution, SIGMOID,
                     "  int fd = socket(AF_INET, SOCK_STREAM, 0);\n"
                     "  sockaddr_in address{};\n"
                     "  address.sin_family = AF_INET;\n"
                     f"  address.sin_port = htons({int(b.args.port)});\n"
                     '  inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);\n'
                     "  if (fd >= 0 && connect(fd, reinterpret_cast<sockaddr*>(&address),\n"
                     "                         sizeof address) == 0) {\n"
                     '    send(fd, "phoned home\\n", 12, 0);\n'
                     "  }\n"
                     '  throw std::runtime_error("tried to phone home");\n',
                     ["arpa/inet.h", "netinet/in.h", "stdexcept", "sys/socket.h", "unistd.h"])},
          {2: ("crashed", "0")})


# The right lesson 2 functions under other names, for the forgers.
RIGHT_FUNCTIONS = """
namespace right {
double sig(double z) { return 1.0 / (1.0 + std::exp(-z)); }

Forward forward(const Params& p, double x) {
  Forward f;
  f.z1 = p.w1 * x + p.b1;
  f.a1 = sig(f.z1);
  f.z2 = p.w2 * f.a1 + p.b2;
  f.a2 = sig(f.z2);
  return f;
}

Gradients backward(const Params& p, const Forward& f, double x, double target) {
  Gradients g;
  g.dL_da2 = f.a2 - target;
  g.da2_dz2 = f.a2 * (1.0 - f.a2);
  g.dL_dz2 = g.dL_da2 * g.da2_dz2;
  g.dL_dw2 = g.dL_dz2 * f.a1;
  g.dL_db2 = g.dL_dz2;
  g.dL_da1 = g.dL_dz2 * p.w2;
  g.da1_dz1 = f.a1 * (1.0 - f.a1);
  g.dL_dz1 = g.dL_da1 * g.da1_dz1;
  g.dL_dw1 = g.dL_dz1 * x;
  g.dL_db1 = g.dL_dz1;
  return g;
}

Params update(const Params& p, const Gradients& g, double rate) {
  return Params{p.w1 - rate * g.dL_dw1, p.b1 - rate * g.dL_db1, p.w2 - rate * g.dL_dw2,
                p.b2 - rate * g.dL_db2};
}

void send(const Gradients& g) {
  namespace channel = gradlings::channel;
  channel::value("dL_da2", g.dL_da2);
  channel::value("da2_dz2", g.da2_dz2);
  channel::value("dL_dz2", g.dL_dz2);
  channel::value("dL_dw2", g.dL_dw2);
  channel::value("dL_db2", g.dL_db2);
  channel::value("dL_da1", g.dL_da1);
  channel::value("da1_dz1", g.da1_dz1);
  channel::value("dL_dz1", g.dL_dz1);
  channel::value("dL_dw1", g.dL_dw1);
  channel::value("dL_db1", g.dL_db1);
}
}  // namespace right
"""

# Writes the public case's whole trace and `end`, then exits. The harness's
# buffer already contains `case ID` and `step 1`, so the trace lands in that
# case. The public case's inputs are in lesson.yaml for anyone to read.
FORGE_PUBLIC = """
void forge_public_case(Params p, double x) {
  namespace channel = gradlings::channel;
  const double target = 0.8, rate = 0.1;
  for (int step = 1; step <= 3; ++step) {
    if (step > 1) channel::record("step", std::to_string(step));
    Forward f = right::forward(p, x);
    channel::value("z1", f.z1);
    channel::value("a1", f.a1);
    channel::value("z2", f.z2);
    channel::value("a2", f.a2);
    channel::value("loss", 0.5 * (f.a2 - target) * (f.a2 - target));
    Gradients g = right::backward(p, f, x, target);
    right::send(g);
    p = right::update(p, g, rate);
    channel::value("new_w1", p.w1);
    channel::value("new_b1", p.b1);
    channel::value("new_w2", p.w2);
    channel::value("new_b2", p.b2);
  }
  channel::record("end");
  channel::flush();
  _exit(0);
}
"""


def add_channel_attacks(b):
    solution = b.solution(2)
    wrong = mutate(solution, LESSON2_MISTAKES["error_doubled"])
    forger_headers = ["string", "unistd.h"]
    channel_include = '#include "channel.h"\n'

    # A wrong program that forges a complete, right trace of the public case
    # and the end record, then exits: the hidden cases are never reported,
    # so the run did not end normally and nothing scores (invalid_output).
    forged = hooked(wrong, FORWARD,
                    "  static bool forged = false;\n"
                    "  if (!forged) {\n    forged = true;\n    forge_public_case(params, x);\n  }\n",
                    forger_headers, channel_include + RIGHT_FUNCTIONS + FORGE_PUBLIC)
    b.add("channel_forged_end", "attack", {2: forged}, {2: ("invalid_output", "0")})

    # A wrong program that sends the right gradients first, through the
    # harness's own channel functions, and returns wrong ones, which the
    # harness then sends too. update() steps with the right ones, so every
    # other value is right. Each gradient is then reported twice in one step,
    # which makes the channel malformed (invalid_output). A grader that reads
    # only the first of the two gives a false pass, the last gives wrong.
    duplicated = mutate(wrong,
                        (BACKWARD_RETURN,
                         "  g.dL_db1 = g.dL_dz1;\n"
                         "  right_gradients = right::backward(params, values, x, target);\n"
                         "  right::send(right_gradients);\n"
                         "  return g;\n"),
                        (UPDATE, UPDATE + "  return right::update(params, right_gradients, "
                                          "learning_rate);\n"))
    duplicated = with_prelude(duplicated, forger_headers,
                              channel_include + RIGHT_FUNCTIONS +
                              "\nnamespace {\nGradients right_gradients;\n}  // namespace\n")
    b.add("channel_duplicates", "attack", {2: duplicated}, {2: ("invalid_output", "0")})

    # A line on the channel that is no record, then the right program.
    b.add("channel_garbage", "attack",
          {2: hooked(solution, SIGMOID,
                     "  static bool sent = false;\n"
                     "  if (!sent) {\n    sent = true;\n"
                     '    const char garbage[] = "passed everything, trust me\\nvalue z1 many\\n";\n'
                     "    if (write(3, garbage, sizeof garbage - 1) < 0) sent = true;\n"
                     "  }\n",
                     ["unistd.h"])},
          {2: ("invalid_output", "0")})


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("class_dir", metavar="CLASS")
    parser.add_argument("--solutions", required=True)
    parser.add_argument("--lessons", required=True)
    parser.add_argument("--expected", required=True)
    parser.add_argument("--token", required=True, help="a random word that marks what attacks steal")
    parser.add_argument("--secret-file", required=True, help="the secret planted in solutions/")
    parser.add_argument("--escape-dir", required=True, help="where writing attacks aim")
    parser.add_argument("--port", required=True, type=int, help="where the test listens")
    args = parser.parse_args(argv)

    if pathlib.Path(args.class_dir).exists():
        sys.exit(f"make_class: error: '{args.class_dir}' exists already")
    builder = ClassBuilder(args)
    add_correct(builder)
    add_mistakes(builder)
    add_faults(builder)
    add_process_attacks(builder)
    add_reading_attacks(builder)
    add_writing_attacks(builder)
    add_channel_attacks(builder)
    builder.write_expected(args.expected)
    return builder


if __name__ == "__main__":
    main()
