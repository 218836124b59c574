"""Helpers shared by the end-to-end tests of `runner grade`: a private copy of
the lessons and solutions, running the grader, reading its reports, and a
list of failures that the test prints at the end."""

import csv
import io
import json
import os
import pathlib
import shutil
import subprocess
import sys
import time

GRADES_HEADER = "student,lesson,points,max_points,verdict"
CHECK_KEYS = {"student", "lesson", "check", "visibility", "points", "max_points", "verdict",
              "reason", "first_wrong", "largest_relative_error"}


class Failures:
    """Collects failed expectations, so one run shows all of them."""

    def __init__(self, name):
        self.name = name
        self.items = []

    def check(self, condition, message):
        if not condition:
            self.items.append(message)
        return condition

    def equal(self, expected, actual, what):
        return self.check(expected == actual, f"{what}: expected {expected!r}, got {actual!r}")

    def finish(self):
        """Prints each distinct failure once, at most 300 of them, and exits
        with status 1 when there was any."""
        counts = {}
        for item in self.items:
            counts[item] = counts.get(item, 0) + 1
        for item, count in list(counts.items())[:300]:
            times = f" ({count} times)" if count > 1 else ""
            print(f"{self.name}: FAIL: {item}{times}")
        if self.items:
            print(f"{self.name}: {len(self.items)} failures")
            sys.exit(1)
        print(f"{self.name}: all checks passed")


def make_root(source_dir, scratch):
    """Copies lessons/ and solutions/ into scratch/root, the data root the
    grader is pointed at, so that a secret can be planted in its solutions/."""
    root = scratch / "root"
    for part in ("lessons", "solutions"):
        shutil.copytree(pathlib.Path(source_dir) / part, root / part)
    return root


def grade_env(root, scratch):
    env = dict(os.environ)
    env["GRADLINGS_ROOT"] = str(root)
    env["XDG_CACHE_HOME"] = str(scratch / "cache")
    env.pop("CXX", None)
    return env


def run(command, env, timeout=600):
    """Runs command and returns (exit status, stdout + stderr, seconds)."""
    start = time.monotonic()
    done = subprocess.run([str(c) for c in command], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=timeout, text=True, errors="replace")
    return done.returncode, done.stdout, time.monotonic() - start


def read_grades(results):
    """Returns (header line, rows as dicts) of results/grades.csv."""
    text = (pathlib.Path(results) / "grades.csv").read_text()
    header = text.split("\n", 1)[0]
    return header, list(csv.DictReader(io.StringIO(text)))


def read_checks(results):
    """Returns the objects of results/results.jsonl, one per line."""
    lines = (pathlib.Path(results) / "results.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def read_expected(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def state_mtimes(results):
    """Returns {file name: mtime_ns} of the finished students' files in
    results/.state/, leaving out temporary files."""
    return {p.name: p.stat().st_mtime_ns for p in state_files(results) if ".tmp" not in p.name}


def state_files(results):
    """Returns every file in results/.state/."""
    state = pathlib.Path(results) / ".state"
    return sorted(state.iterdir()) if state.is_dir() else []
