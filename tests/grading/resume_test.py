"""Kills `runner grade` at several points and reruns it, and checks that the
final reports are byte-identical to those of an uninterrupted run.

A class of 12 submissions (taken from make_class.py) is graded once without
interruption. The same grade into another folder is then killed with SIGKILL
after the 1st, 5th and 9th finished student (counted in RESULTS/.state/) and
interrupted once with SIGINT, each time rerun with the same arguments. Then
a rerun of the finished run must regrade nothing, `--student ID` only that
student, and `--force` everyone.

Usage: python3 resume_test.py RUNNER SOURCE_DIR
"""

import os
import pathlib
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import make_class  # noqa: E402
from grading_support import (Failures, grade_env, make_root, run, state_files,  # noqa: E402
                             state_mtimes)

RUNNER = pathlib.Path(sys.argv[1]).resolve()
SOURCE = pathlib.Path(sys.argv[2]).resolve()
SCRATCH = pathlib.Path(tempfile.mkdtemp(prefix="gradlings-resume-"))
FOLDERS = ["all_three", "compile_error", "correct_a", "correct_b", "correct_commented",
           "error_doubled", "error_sign_flipped", "exit_early", "nan", "public_case_only",
           "segfault", "stub"]
failures = Failures("resume_test")


def build_class(root):
    """Builds the full class and copies the 12 folders into SCRATCH/class."""
    full = SCRATCH / "full"
    (SCRATCH / "escape").mkdir()
    make_class.main([str(full), "--solutions", str(root / "solutions"),
                     "--lessons", str(root / "lessons"), "--expected", str(SCRATCH / "expected.csv"),
                     "--token", secrets.token_hex(8), "--secret-file", str(SCRATCH / "none"),
                     "--escape-dir", str(SCRATCH / "escape"), "--port", "9"])
    submissions = SCRATCH / "class"
    for folder in FOLDERS:
        shutil.copytree(full / folder, submissions / folder, symlinks=True)
    return submissions


def command(submissions, out, *extra):
    return [str(c) for c in (RUNNER, "grade", submissions, "--out", out, "--lessons", "2,3",
                             "-j", "2", "--seed", "resume-seed", "--timeout", "2", *extra)]


def interrupt_after(env, submissions, out, finished, how):
    """Starts the grade and sends `how` to it once `finished` students have a
    .state file. Returns how many had one when the signal went out, or None
    when the grade ended first."""
    process = subprocess.Popen(command(submissions, out), env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    sent = None
    while process.poll() is None and time.monotonic() < deadline:
        count = len(state_mtimes(out))
        if count >= finished:
            process.send_signal(how)
            sent = count
            break
        time.sleep(0.01)
    try:
        status = process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        failures.check(False, f"grade did not stop within 30 s of {how.name}")
        process.kill()
        status = process.wait()
    print(f"{how.name} after {finished} finished: sent at {sent}, status {status}")
    if how == signal.SIGINT and sent is not None:
        failures.check(status != 0, f"grade interrupted by SIGINT exited with status 0")
    return sent


def reports(out):
    return {name: (out / name).read_bytes() if (out / name).exists() else None
            for name in ("grades.csv", "results.jsonl")}


def same_reports(reference, out, when):
    for name, data in reports(out).items():
        failures.check(data is not None and data == reference[name],
                       f"{when}: {out.name}/{name} differs from the uninterrupted run's")


def main():
    root = make_root(SOURCE, SCRATCH)
    submissions = build_class(root)
    env = grade_env(root, SCRATCH)

    whole = SCRATCH / "whole"
    status, output, seconds = run(command(submissions, whole), env)
    failures.equal(0, status, f"uninterrupted grade; output:\n{output[-2000:]}")
    failures.equal(len(FOLDERS), len(state_mtimes(whole)), "uninterrupted .state files")
    print(f"uninterrupted: {seconds:.1f} s")
    reference = reports(whole)

    resumed = SCRATCH / "resumed"
    interruptions = [(1, signal.SIGKILL), (5, signal.SIGKILL), (9, signal.SIGKILL),
                     (10, signal.SIGINT)]
    for finished, how in interruptions:
        interrupt_after(env, submissions, resumed, finished, how)
    status, output, _ = run(command(submissions, resumed), env)
    failures.equal(0, status, f"final rerun; output:\n{output[-2000:]}")
    same_reports(reference, resumed, "after the final rerun")
    failures.equal(sorted(state_mtimes(whole)), [p.name for p in state_files(resumed)],
                   "files in .state after the final rerun (a killed write may leave a temporary)")

    # A rerun of a finished run regrades nothing.
    before = state_mtimes(resumed)
    time.sleep(0.05)
    status, _, again = run(command(submissions, resumed), env)
    failures.equal(0, status, "rerun of a finished run")
    failures.equal(before, state_mtimes(resumed), "rerun of a finished run: .state mtimes")
    failures.check(again < max(3.0, seconds / 2),
                   f"rerun of a finished run took {again:.1f} s (uninterrupted: {seconds:.1f} s)")
    same_reports(reference, resumed, "after a rerun of a finished run")

    # --student regrades one student, and --force regrades everyone.
    time.sleep(0.05)
    status, _, _ = run(command(submissions, resumed, "--student", "error_doubled"), env)
    failures.equal(0, status, "--student error_doubled")
    after = state_mtimes(resumed)
    changed = sorted(name for name in before if after.get(name) != before[name])
    failures.check(len(changed) == 1 and changed[0].startswith("error_doubled"),
                   f"--student error_doubled changed the .state of {changed}")
    same_reports(reference, resumed, "after --student")

    time.sleep(0.05)
    before = state_mtimes(resumed)
    status, _, _ = run(command(submissions, resumed, "--force"), env)
    failures.equal(0, status, "--force")
    after = state_mtimes(resumed)
    unchanged = sorted(name for name in before if after.get(name) == before[name])
    failures.equal([], unchanged, "--force left these .state files alone")
    same_reports(reference, resumed, "after --force")

    if not failures.items:
        shutil.rmtree(SCRATCH, ignore_errors=True)
    else:
        print(f"resume_test: the class and results are kept in {SCRATCH}")
    failures.finish()


if __name__ == "__main__":
    main()
