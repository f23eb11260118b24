"""The pytest plugin that every check file runs under (loaded by tests/conftest.py).

It adds `--target`, the `student` fixture that imports the exercise module a check file grades,
the `gpu` marker's skip rule and a seeded hypothesis profile. It works the same under `grade`
and under a bare `pytest tests/test_XX.py --target solutions`.
"""

from __future__ import annotations

import functools
import importlib.util
import re
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from grader.manifest import find_root

TARGET_ALIASES = ("exercises", "solutions")


class StudentImportError(Exception):
    """The exercise module could not be imported; the message names the file and line."""


class StudentCodeMissing(AttributeError):
    """The exercise module lacks a function that the checks call."""


# Set by the grading process: called with a summary of each call a check makes into student
# code, so a timeout can name the call that was running.
on_call: Callable[[str], None] | None = None
# The call into student code that raised last (None once a check starts), for the message.
failed_call: str | None = None


class StudentModule:
    """The imported exercise module, with a clear failure for a missing function. Its functions
    come back wrapped, so a timeout or an exception can name the call and its arguments."""

    def __init__(self, module: ModuleType, path: Path, display: str) -> None:
        self._module = module
        self.path = path
        self.display = display

    def __getattr__(self, name: str) -> Any:
        try:
            value = getattr(self._module, name)
        except AttributeError:
            raise StudentCodeMissing(
                f"{self.display} has no `{name}`: keep the function names and signatures of the stub"
            ) from None
        if callable(value) and not isinstance(value, type):
            return _traced(name, value)
        return value


def _traced(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        global failed_call
        summary = summarize_call(name, args, kwargs)
        if on_call is not None:
            on_call(summary)
        try:
            return function(*args, **kwargs)
        except BaseException:
            failed_call = summary
            raise

    return call


def summarize_call(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    """`fn(mx.array(shape=(3,), float32), 2, axis=0)`: a call's arguments, summarised without
    evaluating any array."""
    parts = [_summarize(a) for a in args] + [f"{k}={_summarize(v)}" for k, v in kwargs.items()]
    text = f"{name}({', '.join(parts)})"
    return text if len(text) <= 160 else text[:157] + "..."


def _summarize(value: Any) -> str:
    kind = type(value)
    if kind.__module__.startswith("mlx") and hasattr(value, "shape") and hasattr(value, "dtype"):
        return f"mx.array(shape={tuple(value.shape)}, {str(value.dtype).removeprefix('mlx.core.')})"
    if kind.__module__ == "numpy" and hasattr(value, "shape"):
        return f"np.ndarray(shape={value.shape}, {value.dtype})"
    if callable(value):
        return getattr(value, "__name__", kind.__name__)
    if isinstance(value, (list, tuple, dict, set)):
        # repr() of a container reprs the arrays in it, and that evaluates them.
        return f"<{kind.__name__} of {len(value)}>"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("course", "MLX course checks")
    group.addoption(
        "--target",
        default="exercises",
        help="folder graded by the checks: exercises (default), solutions, or a folder laid out like exercises/",
    )
    group.addoption(
        "--policy-blocked",
        action="append",
        default=[],
        metavar="FILE",
        help="an exercise file that breaks the submission policy: its checks get a stand-in that "
        "never loads it, so only the environment decides which of them skip",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "gpu: the check needs a GPU stream")
    _register_hypothesis_profile()


def _register_hypothesis_profile() -> None:
    # Property checks must be repeatable: same examples on every run and no example database.
    # No shrinking: a failure is reported at the first failing example, which keeps an
    # unfinished stub from costing seconds per check.
    from hypothesis import HealthCheck, Phase, settings

    settings.register_profile(
        "course",
        derandomize=True,
        database=None,
        deadline=None,
        max_examples=10,
        print_blob=False,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        report_multiple_bugs=False,
        suppress_health_check=[HealthCheck.too_slow],
    )
    settings.load_profile("course")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    import mlx.core as mx

    if mx.is_available(mx.gpu):
        return
    skip = pytest.mark.skip(
        reason=f"needs a GPU: this MLX build's backend is {backend_name()}, which has no GPU stream "
        "(install MLX on Apple silicon, or mlx[cuda12]/mlx[cuda13] on an NVIDIA machine)"
    )
    for item in items:
        if item.get_closest_marker("gpu"):
            item.add_marker(skip)


def backend_name() -> str:
    """`metal`, `cuda` or `cpu`: the backend this MLX build runs on."""
    import mlx.core as mx

    if mx.metal.is_available():
        return "metal"
    if mx.cuda.is_available():
        return "cuda"
    return "cpu"


def target_dir(config: pytest.Config) -> Path:
    """The folder being graded, resolved against the course root."""
    raw = config.getoption("--target")
    root = find_root(Path(str(config.rootpath)))
    path = Path(raw)
    return (path if path.is_absolute() else root / path).resolve()


@pytest.fixture(scope="module")
def student(request: pytest.FixtureRequest) -> StudentModule:
    """The exercise module that this check file grades, imported from the target folder."""
    check_file = Path(str(request.path))
    # test_01_x.py grades 01_x.py; so does an instructor's test_hidden_01_x.py
    exercise_file = re.sub(r"^test_(hidden_)?", "", check_file.name)
    target = target_dir(request.config)
    if exercise_file in request.config.getoption("--policy-blocked"):
        return BlockedSubmission()  # type: ignore[return-value]
    return load_submission(target / exercise_file, display=f"{target.name}/{exercise_file}")


class PolicyBlocked(Exception):
    """Raised by every use of a submission that breaks the course policy."""


class BlockedSubmission:
    """Stands in for a submission that breaks the policy. Its file is never imported; a check
    that reaches for it ends at once, so a check skips exactly when it would skip for any answer
    (a missing framework, a build without a GPU) and the exercise keeps its maximum."""

    def __getattr__(self, name: str) -> Any:
        raise PolicyBlocked("not run: the submission breaks the course policy")


def load_submission(path: Path, display: str) -> StudentModule:
    """Import the module at `path` under a private name, turning any failure into one message."""
    if not path.is_file():
        raise StudentImportError(
            f"{display} is missing: restore it with `grade reset {path.stem[3:]}`"
        )
    name = f"submission_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        raise StudentImportError(
            f"could not import {display}: {type(exc).__name__} at line {exc.lineno}: {exc.msg}"
        ) from None
    except SystemExit as exc:
        raise StudentImportError(
            f"{display} called sys.exit({exc.code!r}) while being imported"
        ) from None
    except BaseException as exc:  # noqa: BLE001 - anything a student module raises at import
        line = _student_line(exc, path)
        where = f" at line {line}" if line else ""
        raise StudentImportError(
            f"could not import {display}: {type(exc).__name__}{where}: {exc}"
        ) from None
    return StudentModule(module, path, display)


def _student_line(exc: BaseException, path: Path) -> int | None:
    """The last line of `path` in the traceback of `exc`, if any."""
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if Path(frame.filename).resolve() == path.resolve():
            line = frame.lineno
    return line
