"""Grades a synthetic class of about 50 submissions end to end (see
make_class.py) and checks every grade, every report, and that no attack
escaped its sandbox.

The class is graded four ways: -j 1, -j 2, and as two shards merged. The
grades must match expected.csv and be byte-identical across the four. The
attacks are graded once more with --no-bubblewrap, the fallback protections,
and must get the same verdicts there.

Usage: python3 grade_class_test.py RUNNER SOURCE_DIR
"""

import hashlib
import json
import os
import pathlib
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import make_class  # noqa: E402
from grading_support import (CHECK_KEYS, GRADES_HEADER, Failures, grade_env, make_root,  # noqa: E402
                             read_checks, read_expected, read_grades, run)

RUNNER = pathlib.Path(sys.argv[1]).resolve()
SOURCE = pathlib.Path(sys.argv[2]).resolve()
SCRATCH = pathlib.Path(tempfile.mkdtemp(prefix="gradlings-grade-class-"))
TOKEN = secrets.token_hex(8)
SEED = "test-seed"


def bubblewrap_usable():
    """Whether bwrap can make its namespaces here: installed is not enough,
    because a chroot or a container may forbid them. The runner then falls
    back to Landlock, and run.json must record it."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return False
    trial = subprocess.run([bwrap, "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/",
                            "true"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return trial.returncode == 0


BUBBLEWRAP = bubblewrap_usable()
LESSONS = "2,3,7"
failures = Failures("grade_class_test")


class Listener:
    """A TCP server on 127.0.0.1 that records every connection made to it."""

    def __init__(self):
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(16)
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.connections = []
        self.stopping = False
        self.thread = threading.Thread(target=self.accept, daemon=True)
        self.thread.start()

    def accept(self):
        while not self.stopping:
            try:
                connection, peer = self.server.accept()
            except OSError:
                continue
            self.connections.append(peer)
            connection.close()

    def stop(self):
        self.stopping = True
        self.thread.join()
        self.server.close()


def build_class(root, listener):
    secret_file = root / "solutions" / "secret.txt"
    secret = f"secret-{TOKEN}-never-in-results"
    secret_file.write_text(secret + "\n")
    escape = SCRATCH / "escape"
    escape.mkdir()
    builder = make_class.main([
        str(SCRATCH / "class"), "--solutions", str(root / "solutions"),
        "--lessons", str(root / "lessons"), "--expected", str(SCRATCH / "expected.csv"),
        "--token", TOKEN, "--secret-file", str(secret_file), "--escape-dir", str(escape),
        "--port", str(listener.port)])
    return builder, secret


def grade(env, submissions, out, *extra):
    command = [RUNNER, "grade", submissions, "--out", out, "--seed", SEED, "--timeout", "2",
               *extra]
    status, output, seconds = run(command, env)
    print(f"grade {out.name} {' '.join(map(str, extra))}: status {status}, {seconds:.1f} s")
    failures.equal(0, status, f"exit status of grade into {out.name}; output:\n{output[-3000:]}")
    return output


# --------------------------------------------------------------------------
# Grades against expected.csv.

def lesson_max(root, number):
    return make_class.max_points(root / "lessons", make_class.LESSON_SLUGS[number])


def expected_points(row, maximum):
    if row["points"] == "max":
        return make_class.format_points(maximum)
    return row["points"]


def check_grades(results, expected, root):
    header, rows = read_grades(results)
    failures.equal(GRADES_HEADER, header, f"{results.name}/grades.csv header")
    keys = [(r["student"], int(r["lesson"])) for r in rows]
    failures.equal(sorted(keys), keys, f"{results.name}/grades.csv order")
    failures.equal(sorted((e["folder"], int(e["lesson"])) for e in expected), sorted(keys),
                   f"{results.name}/grades.csv rows")

    by_key = {(r["student"], int(r["lesson"])): r for r in rows}
    for e in expected:
        key = (e["folder"], int(e["lesson"]))
        row = by_key.get(key)
        if row is None:
            continue
        maximum = lesson_max(root, key[1])
        want = expected_points(e, maximum)
        where = f"{results.name}: {key[0]} lesson {key[1]}"
        if row["verdict"] == "passed" and e["verdict"] != "passed":
            failures.check(False, f"{where}: FALSE PASS (expected {e['verdict']})")
        if float(row["points"]) > float(want):
            failures.check(False, f"{where}: points {row['points']} above the expected {want}")
        failures.equal(e["verdict"], row["verdict"], f"{where} verdict")
        failures.equal(want, row["points"], f"{where} points")
        failures.equal(make_class.format_points(maximum), row["max_points"], f"{where} max_points")
    return rows


def check_results_jsonl(results, rows, root):
    """Each check line: its keys, its points, and that the checks of a lesson
    add up to the grade."""
    checks = read_checks(results)
    for check in checks:
        failures.equal(CHECK_KEYS, set(check), f"{results.name}/results.jsonl keys")
    order = [(c["student"], c["lesson"]) for c in checks]
    failures.equal(sorted(order), order, f"{results.name}/results.jsonl order")

    for row in rows:
        number = int(row["lesson"])
        mine = [c for c in checks if c["student"] == row["student"] and c["lesson"] == number]
        public, hidden, public_points, hidden_points = make_class.lesson_points(
            root / "lessons", make_class.LESSON_SLUGS[number])
        where = f"{results.name}/results.jsonl {row['student']} lesson {number}"
        failures.equal(public + hidden, len(mine), f"{where}: number of checks")
        failures.equal(public, sum(c["visibility"] == "visible" for c in mine),
                       f"{where}: visible checks")
        failures.equal(row["points"], make_class.format_points(sum(c["points"] for c in mine)),
                       f"{where}: sum of check points")
        for c in mine:
            worth = hidden_points if c["visibility"] == "hidden" else public_points
            failures.equal(worth, c["max_points"], f"{where} {c['check']}: max_points")
            earned = c["max_points"] if c["verdict"] == "passed" else 0
            failures.equal(earned, c["points"], f"{where} {c['check']}: points")
        if row["student"] == "public_case_only" and number == 2:
            verdicts = [(c["visibility"], c["verdict"]) for c in mine]
            failures.equal([("visible", "wrong")] + [("hidden", "passed")] * hidden, verdicts,
                           f"{where}: only the public case is wrong")
    return checks


def check_student_reports(results, rows, checks):
    """Gradescope results.json and feedback.txt of every student."""
    students = sorted({r["student"] for r in rows})
    for student in students:
        folder = results / "students" / student
        mine = [c for c in checks if c["student"] == student]
        try:
            gradescope = json.loads((folder / "results.json").read_text())
        except (OSError, ValueError) as error:
            failures.check(False, f"{folder}/results.json: {error}")
            continue
        points = sum(float(r["points"]) for r in rows if r["student"] == student)
        maximum = sum(float(r["max_points"]) for r in rows if r["student"] == student)
        failures.check(abs(gradescope.get("score", -1) - points) < 1e-9,
                       f"{student}/results.json score {gradescope.get('score')} != {points}")
        failures.check(abs(gradescope.get("max_score", -1) - maximum) < 1e-9,
                       f"{student}/results.json max_score {gradescope.get('max_score')} != {maximum}")
        tests = gradescope.get("tests", [])
        failures.equal(len(mine), len(tests), f"{student}/results.json number of tests")
        for test, check in zip(tests, mine):
            failures.check({"name", "score", "max_score", "status", "output", "visibility"}
                           <= set(test), f"{student}/results.json test keys {sorted(test)}")
            failures.equal("passed" if check["verdict"] == "passed" else "failed",
                           test.get("status"), f"{student}/results.json status of {check['check']}")
            failures.equal(check["visibility"], test.get("visibility"),
                           f"{student}/results.json visibility of {check['check']}")
            failures.equal(check["points"], test.get("score"),
                           f"{student}/results.json score of {check['check']}")
        check_feedback(folder, student, mine)


NUMBER = re.compile(r"-?\d+\.\d{3,}(?:e[-+]?\d+)?")


def check_feedback(folder, student, checks):
    """feedback.txt withholds the reason and the values of each hidden case."""
    path = folder / "feedback.txt"
    if not failures.check(path.is_file(), f"{path} missing"):
        return
    feedback = path.read_text()
    public_text = " ".join(c["reason"] for c in checks if c["visibility"] == "visible")
    for c in checks:
        # A reason without a number, or one that a public case shows too,
        # such as a missing function, reveals nothing about the hidden case.
        if c["visibility"] != "hidden" or c["reason"] in public_text:
            continue
        if not re.search(r"\d", c["reason"]):
            continue
        failures.check(c["reason"] not in feedback,
                       f"{student}/feedback.txt shows the hidden reason {c['reason']!r}")
        for number in NUMBER.findall(c["reason"]):
            failures.check(number in public_text or number not in feedback,
                           f"{student}/feedback.txt shows {number} of {c['check']}")


def check_junit_and_run(results, checks, shard=None, bubblewrap=BUBBLEWRAP):
    try:
        tree = ET.parse(results / "junit.xml")
        cases = list(tree.getroot().iter("testcase"))
        failed = [t for t in cases if t.find("failure") is not None or t.find("error") is not None]
        failures.equal(len(checks), len(cases), f"{results.name}/junit.xml testcases")
        failures.equal(sum(c["verdict"] != "passed" for c in checks), len(failed),
                       f"{results.name}/junit.xml failed testcases")
    except (OSError, ET.ParseError) as error:
        failures.check(False, f"{results.name}/junit.xml: {error}")
    try:
        info = json.loads((results / "run.json").read_text())
        failures.equal(SEED, info.get("seed"), f"{results.name}/run.json seed")
        failures.check("rlimits" in info.get("protections", []),
                       f"{results.name}/run.json protections {info.get('protections')}")
        protections = info.get("protections", [])
        failures.equal(bubblewrap, "bubblewrap" in protections,
                       f"{results.name}/run.json bubblewrap in protections")
        failures.check("bubblewrap" in protections or "landlock" in protections,
                       f"{results.name}/run.json protections {protections} confine no files")
        if shard:
            failures.check(shard in json.dumps(info.get("shard")),
                           f"{results.name}/run.json shard {info.get('shard')!r}, expected {shard}")
    except (OSError, ValueError) as error:
        failures.check(False, f"{results.name}/run.json: {error}")


# --------------------------------------------------------------------------
# Escapes.

def process_names(markers):
    """Returns {pid: name} of live processes whose name is one of markers."""
    found = {}
    for entry in pathlib.Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                name = (entry / "comm").read_text().strip()
            except OSError:
                continue
            if name in markers:
                found[int(entry.name)] = name
    return found


def check_escapes(results, secret, victim_sha, listener, builder):
    where = results.name
    # The grader keeps its own copy of each source in RESULTS/.work/<sha256>,
    # so the victim's text may appear in the victim's copy and nowhere else.
    victim_copy = results / ".work" / victim_sha
    for path in results.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            failures.check(secret.encode() not in data, f"{path}: contains the planted secret")
            if victim_copy not in path.parents:
                failures.check(f"victim-{TOKEN}".encode() not in data,
                               f"{path}: contains another submission")
            # The seed belongs in run.json; a student's files and the
            # per-check reasons must not show it.
            if "students" in path.parts or path.name in ("results.jsonl", "grades.csv"):
                failures.check(SEED.encode() not in data, f"{path}: contains the grading seed")

    targets = [SCRATCH / "escape" / "written-by-submission",
               pathlib.Path(f"/tmp/gradlings-escape-{TOKEN}"), SCRATCH / "class" / "planted"]
    for target in targets:
        if not failures.check(not target.exists(), f"after {where}: {target} was written"):
            shutil.rmtree(target, ignore_errors=True) if target.is_dir() else target.unlink()
    victim = builder.exercise_path("victim", 2)
    failures.equal(victim_sha, hashlib.sha256(victim.read_bytes()).hexdigest(),
                   f"after {where}: sha256 of the victim's exercise.cpp")
    failures.equal([], listener.connections, f"after {where}: connections to 127.0.0.1")

    markers = {f"glb{TOKEN[:8]}", f"gld{TOKEN[:8]}"}
    time.sleep(0.5)
    for pid, name in process_names(markers).items():
        failures.check(False, f"after {where}: process {pid} '{name}' outlived the grader")
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


# --------------------------------------------------------------------------

def check_run(results, expected, root, shard=None, bubblewrap=BUBBLEWRAP):
    rows = check_grades(results, expected, root)
    checks = check_results_jsonl(results, rows, root)
    check_student_reports(results, rows, checks)
    check_junit_and_run(results, checks, shard, bubblewrap)
    state = results / ".state"
    failures.equal(len({r["student"] for r in rows}),
                   len(list(state.iterdir())) if state.is_dir() else 0,
                   f"{results.name}/.state files")


def main():
    root = make_root(SOURCE, SCRATCH)
    listener = Listener()
    builder, secret = build_class(root, listener)
    expected = read_expected(SCRATCH / "expected.csv")
    victim_sha = hashlib.sha256(builder.exercise_path("victim", 2).read_bytes()).hexdigest()
    env = grade_env(root, SCRATCH)
    submissions = SCRATCH / "class"
    print(f"class: {len(builder.folders)} folders in {submissions}")
    if not BUBBLEWRAP:
        print("grade_class_test: bwrap cannot run here, so every run is graded with Landlock")

    runs = {name: SCRATCH / name for name in ("R1", "R2", "S1", "S2", "R3", "NB")}
    grade(env, submissions, runs["R1"], "--lessons", LESSONS, "-j", "1")
    check_escapes(runs["R1"], secret, victim_sha, listener, builder)
    grade(env, submissions, runs["R2"], "--lessons", LESSONS, "-j", "2")
    check_escapes(runs["R2"], secret, victim_sha, listener, builder)
    for index, shard in (("1", "S1"), ("2", "S2")):
        grade(env, submissions, runs[shard], "--lessons", LESSONS, "-j", "2",
              "--shard", f"{index}/2")
        check_escapes(runs[shard], secret, victim_sha, listener, builder)
    status, output, _ = run([RUNNER, "merge", runs["R3"], runs["S1"], runs["S2"]], env)
    failures.equal(0, status, f"exit status of merge; output:\n{output[-2000:]}")

    for name in ("R1", "R2", "R3"):
        check_run(runs[name], expected, root)
    check_junit_and_run(runs["S1"], read_checks(runs["S1"]), shard="1/2")
    # An attack can put any text in its reasons, such as what it read from
    # /proc, so results.jsonl is compared without the attacks.
    attackers = {e["folder"] for e in expected if e["group"] == "attack"}
    reference = (runs["R1"] / "grades.csv").read_bytes()
    for name in ("R2", "R3"):
        failures.check((runs[name] / "grades.csv").read_bytes() == reference,
                       f"{name}/grades.csv differs from R1's")
        failures.equal([c for c in read_checks(runs["R1"]) if c["student"] not in attackers],
                       [c for c in read_checks(runs[name]) if c["student"] not in attackers],
                       f"{name}/results.jsonl without the attacks, against R1's")

    # The attacks alone, on the fallback protections.
    attacks = SCRATCH / "attacks"
    attack_rows = [e for e in expected if e["group"] == "attack" and e["lesson"] == "2"]
    for row in attack_rows:
        shutil.copytree(submissions / row["folder"], attacks / row["folder"], symlinks=True)
    grade(env, attacks, runs["NB"], "--lessons", "2", "-j", "2", "--no-bubblewrap")
    check_grades(runs["NB"], attack_rows, root)
    check_junit_and_run(runs["NB"], read_checks(runs["NB"]), bubblewrap=False)
    check_escapes(runs["NB"], secret, victim_sha, listener, builder)

    listener.stop()
    if not failures.items:
        shutil.rmtree(SCRATCH, ignore_errors=True)
    else:
        print(f"grade_class_test: the class and results are kept in {SCRATCH}")
    failures.finish()


if __name__ == "__main__":
    main()
