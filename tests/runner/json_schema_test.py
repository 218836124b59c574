"""Runs `runner lesson 2 --format json` on the solution, a mistake, the stub,
a compile error, a crash and a timeout, and checks each output against
docs/results.schema.json and against values known from the lesson.

Usage: /usr/bin/python3 json_schema_test.py RUNNER SOURCE_DIR
Needs Debian's python3-jsonschema (4.10 or later), which scripts/setup installs.
"""

import json
import pathlib
import shutil
import subprocess
import sys
import tempfile
import unittest

try:
    import jsonschema
except ImportError:
    sys.exit("json_schema_test: error: python3-jsonschema is missing "
             "(run ./scripts/setup, or: apt-get install python3-jsonschema)")

RUNNER = pathlib.Path(sys.argv[1])
ROOT = pathlib.Path(sys.argv[2])
SOLUTION = ROOT / "solutions" / "02-two-layer-network" / "exercise.cpp"
SCHEMA = json.loads((ROOT / "docs" / "results.schema.json").read_text())
SCRATCH = pathlib.Path(tempfile.mkdtemp(prefix="gradlings-json-schema-"))


def mutated_solution(name, old, new):
    """Writes the lesson 2 solution with `old` replaced by `new` once."""
    text = SOLUTION.read_text()
    if old not in text:
        raise AssertionError(f"the solution no longer contains: {old}")
    path = SCRATCH / f"{name}.cpp"
    path.write_text(text.replace(old, new, 1))
    return path


def run_runner(*arguments):
    return subprocess.run([str(RUNNER), *arguments], capture_output=True, timeout=120)


def find_test(result, name):
    for test in result["tests"]:
        if test["name"] == name:
            return test
    raise AssertionError(f"no test named {name!r}")


class LessonTwoJson(unittest.TestCase):
    def check_json(self, *arguments, exit_status):
        """Runs the lesson 2 check with --format json and returns the
        validated document. stdout must hold that document and nothing else."""
        run = run_runner("lesson", "2", "--format", "json", *arguments)
        self.assertEqual(exit_status, run.returncode, run.stderr.decode())
        result = json.loads(run.stdout)
        jsonschema.Draft202012Validator(SCHEMA).validate(result)
        self.assertEqual(2, result["version"])
        self.assertEqual(2, result["lesson"])
        self.stderr = run.stderr.decode()
        self.stdout = run.stdout
        return result

    def test_schema_is_valid(self):
        jsonschema.Draft202012Validator.check_schema(SCHEMA)

    def test_solution_passes_with_material_values(self):
        result = self.check_json("--exercise", str(SOLUTION), exit_status=0)
        self.assertEqual("pass", result["status"])
        self.assertEqual("passed", result["outcome"])
        self.assertIsNone(result["first_wrong"])
        self.assertNotIn("message", result)
        self.assertTrue(all(test["status"] == "pass" for test in result["tests"]))
        self.assertEqual(["public"] + [f"hidden {i}" for i in range(1, len(result["cases"]))],
                         [case["name"] for case in result["cases"]])

        # z1 = w1 x + b1 = 0.5 * 1 + 0.2 in the public case's first step.
        z1 = find_test(result, "public / step 1 / Forward pass (x = 1.000) / z1")
        self.assertEqual("pass", z1["status"])
        self.assertAlmostEqual(0.7, z1["expected"], places=12)
        self.assertAlmostEqual(0.7, z1["actual"], places=12)
        self.assertEqual("z1 = 1.000×0.500 + 0.200 = 0.700", z1["test_code"])
        self.assertEqual("reference", z1["expected_source"])

    def test_mistake_names_first_wrong_value(self):
        exercise = mutated_solution("sign", "g.dL_da2 = values.a2 - target;",
                                    "g.dL_da2 = target - values.a2;")
        result = self.check_json("--exercise", str(exercise), exit_status=1)
        self.assertEqual("fail", result["status"])
        self.assertEqual("failed", result["outcome"])

        # a2 = sigmoid(0.635) = 0.654 and target 0.8, so dL/da2 = a2 - target
        # is -0.146, and the flipped sign gives 0.146.
        first = result["first_wrong"]
        self.assertEqual("dL/da2", first["label"])
        self.assertEqual("public", first["case"])
        self.assertEqual("step 1, backward pass", first["where"])
        self.assertAlmostEqual(-0.146, first["expected"], delta=5e-4)
        self.assertAlmostEqual(0.146, first["actual"], delta=5e-4)
        self.assertAlmostEqual(-first["expected"], first["actual"], places=12)

        test = find_test(result, "public / step 1 / Backward pass (target = 0.800) / dL/da2")
        self.assertEqual("fail", test["status"])
        self.assertTrue(test["first_wrong"])
        self.assertEqual("you have 0.146, expected -0.146 (reference), off by 0.293",
                         test["message"])
        self.assertEqual("the sign is flipped. dL/da2 = a2 − target, not target − a2",
                         test["diagnosis"])
        self.assertEqual(1, sum(test["first_wrong"] for test in result["tests"]
                                if test.get("case") == "public"))

    def test_stub_is_error_and_notes_go_to_stderr(self):
        workspace = SCRATCH / "workspace"
        shutil.rmtree(workspace, ignore_errors=True)
        result = self.check_json("--workspace", str(workspace), exit_status=1)
        self.assertEqual("error", result["status"])
        self.assertEqual("not_implemented", result["outcome"])
        self.assertEqual("Not implemented yet: forward(), loss(), backward(), update().",
                         result["message"])
        self.assertEqual(["forward", "loss", "backward", "update"], result["missing_functions"])
        self.assertTrue(all(test["status"] == "error" for test in result["tests"]))
        self.assertIn("(a copy of the lesson's stub)", self.stderr)
        self.assertTrue(self.stdout.startswith(b"{"))

    def test_compile_error_carries_compiler_log(self):
        exercise = SCRATCH / "broken.cpp"
        exercise.write_text(SOLUTION.read_text() + "\nint broken() { return undeclared_name; }\n")
        result = self.check_json("--exercise", str(exercise), exit_status=1)
        self.assertEqual("error", result["status"])
        self.assertEqual("compile_error", result["outcome"])
        self.assertEqual([], result["tests"])
        self.assertTrue(result["message"].startswith(f"{exercise} does not compile.\n\n"),
                        result["message"])
        self.assertIn("undeclared_name", result["message"])
        self.assertIn("undeclared_name", result["compiler_log"])

    def test_crash_is_a_failing_program_test(self):
        exercise = mutated_solution("crash", "g.dL_da2 = values.a2 - target;",
                                    "g.dL_da2 = values.a2 - target; __builtin_trap();")
        result = self.check_json("--exercise", str(exercise), exit_status=1)
        self.assertEqual("crashed", result["outcome"])
        program = result["tests"][-1]
        self.assertEqual("program", program["name"])
        self.assertEqual("error", program["status"])
        self.assertTrue(program["message"].startswith("Your program crashed (SIG"), program)
        # The forward pass was graded before the backward pass crashed, so
        # the result is a failure and not an error.
        self.assertEqual("fail", result["status"])
        z1 = find_test(result, "public / step 1 / Forward pass (x = 1.000) / z1")
        self.assertEqual("pass", z1["status"])

    def test_timeout_is_reported(self):
        exercise = mutated_solution("spin", "g.dL_da2 = values.a2 - target;",
                                    "for (volatile bool spin = true; spin;) {}")
        result = self.check_json("--exercise", str(exercise), "--timeout", "0.5", exit_status=1)
        self.assertEqual("timed_out", result["outcome"])
        self.assertEqual(0.5, result["timeout_seconds"])
        self.assertEqual("Your program took longer than 0.5 s.", result["tests"][-1]["message"])

    def test_plain_json_is_ascii(self):
        result = self.check_json("--plain", "--exercise", str(SOLUTION), exit_status=0)
        self.assertTrue(self.stdout.isascii())
        z1 = find_test(result, "public / step 1 / Forward pass (x = 1.000) / z1")
        self.assertEqual("z1 = 1.000×0.500 + 0.200 = 0.700", z1["test_code"])

    def test_runner_error_leaves_stdout_empty(self):
        run = run_runner("lesson", "42", "--format", "json")
        self.assertEqual(2, run.returncode)
        self.assertEqual(b"", run.stdout)
        self.assertTrue(run.stderr.startswith(b"runner: error: no lesson 42"), run.stderr)


if __name__ == "__main__":
    try:
        unittest.main(argv=sys.argv[:1], verbosity=2)
    finally:
        shutil.rmtree(SCRATCH, ignore_errors=True)
