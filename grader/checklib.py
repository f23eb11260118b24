"""Helpers for writing checks: observe laziness, graphs, streams and aliasing, and fail with
messages that give the call, the expected value and the actual one.

Check files import from here; student modules never should (the grader flags it).
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mlx.core as mx
import numpy as np

# Taken when the check file is loaded, before any student module: what the checks observe
# through cannot be swapped out from under them.
_buffer_size = mx.get_array_buffer_size
_export_to_dot = mx.export_to_dot
_COURSE_ROOT = Path(__file__).resolve().parent.parent

_PRIMITIVE = re.compile(r'\[label ="([^"]+)", shape=rectangle\]')


def is_evaluated(array: mx.array) -> bool:
    """True when `array` holds computed data; asking does not evaluate it."""
    try:
        _buffer_size(array)
        return True
    except ValueError:
        return False


def graph_primitives(*arrays: mx.array) -> list[str]:
    """Names of the primitives still pending in the graph behind `arrays` (empty once evaluated)."""
    out = io.StringIO()
    _export_to_dot(out, *arrays)
    return _PRIMITIVE.findall(out.getvalue())


def describe(value: Any) -> str:
    """A short, readable rendering of a value for failure messages. It evaluates an array (as
    printing does), so call it only once a check has failed, never in a message built up front:
    pass `expect` a lambda instead. Up to 12 elements are shown whole; larger arrays show their
    shape, dtype and first values."""
    if isinstance(value, (mx.array, np.ndarray)):
        kind = "mx.array" if isinstance(value, mx.array) else "np.array"
        shape = tuple(value.shape)
        dtype = _dtype(value.dtype)
        try:
            if value.size <= 12:
                return f"{kind}({_nested(_host(value))}, dtype={dtype})"
            flat = _host(value).reshape(-1)
            first = ", ".join(_scalar(v) for v in flat[:6])
            values = f", values [{first}, ... {flat.size - 6} more]"
        except Exception:  # an array that cannot be evaluated here still has a shape
            values = ""
        return f"{kind}(shape={shape}, dtype={dtype}{values})"
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."


def _host(value: Any) -> np.ndarray:
    """A NumPy copy of an array for messages (bfloat16, which NumPy lacks, as float32)."""
    if isinstance(value, mx.array):
        if value.dtype == mx.bfloat16:
            value = value.astype(mx.float32)
        return np.array(value)
    return np.asarray(value)


def _dtype(dtype: Any) -> str:
    """`float32` rather than `mlx.core.float32`."""
    return str(dtype).removeprefix("mlx.core.")


def _nested(values: np.ndarray) -> str:
    """Nested lists of the shortest forms of the values: [[1.5, 2], [3, 4]]."""
    if values.ndim == 0:
        return _scalar(values[()])
    return "[" + ", ".join(_nested(row) for row in values) + "]"


def _scalar(value: Any) -> str:
    # str() of a NumPy scalar is its shortest round-trip form: 0.1 for float32(0.1), not 0.100000001
    return str(value)


def difference(actual: Any, expected: Any, *, rtol: float = 1e-5, atol: float = 1e-6) -> str:
    """Where two arrays differ, for a failure message: how many elements differ and the first
    differing index with both values there (or the shapes when they differ). Evaluates both."""
    got, want = _host(actual), _host(expected)
    if got.shape != want.shape:
        return f"shapes differ: {got.shape} returned, {want.shape} expected"
    try:
        if got.dtype.kind in "fc" or want.dtype.kind in "fc":
            close = np.isclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
        else:
            close = got == want
    except TypeError:
        close = got == want
    wrong = ~np.asarray(close, dtype=bool)
    count = int(wrong.sum())
    if count == 0:
        return f"every element agrees within rtol={rtol:g}, atol={atol:g}"
    index = tuple(int(i) for i in np.argwhere(wrong)[0]) if wrong.ndim else ()
    values = f"got {_scalar(got[index])}, expected {_scalar(want[index])}"
    if not index:
        return f"the value differs: {values}"
    verb = "differs" if count == 1 else "differ"
    return (
        f"{count} of {wrong.size} elements {verb}; "
        f"first at index [{', '.join(map(str, index))}]: {values}"
    )


def expect_array(
    actual: Any, expected: Any, call: str, *, rtol: float = 1e-5, atol: float = 1e-6
) -> None:
    """Fail unless `actual` is an mx.array with the shape, dtype and values of `expected`.

    The message names the shapes and dtypes and, for values, how many elements differ and the
    first differing index with both values, whatever the size of the arrays.
    """
    expected = expected if isinstance(expected, mx.array) else mx.array(expected)
    if not isinstance(actual, mx.array):
        raise AssertionError(
            f"{call} returned {type(actual).__name__} {describe(actual)}; expected an mx.array {describe(expected)}"
        )
    got = f"shape {tuple(actual.shape)}, dtype {_dtype(actual.dtype)}"
    want = f"shape {tuple(expected.shape)}, dtype {_dtype(expected.dtype)}"
    if tuple(actual.shape) != tuple(expected.shape):
        raise AssertionError(
            f"{call} returned an array of {got}; expected {want}: {describe(expected)}"
        )
    if actual.dtype != expected.dtype:
        raise AssertionError(
            f"{call} returned an array of {got}; expected {want} "
            f"(values: {difference(actual, expected, rtol=rtol, atol=atol)})"
        )
    same = mx.allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True).item()
    if not same:
        where = difference(actual, expected, rtol=rtol, atol=atol)
        if actual.size <= 12:
            raise AssertionError(
                f"{call}: {where} (returned {describe(actual)}; expected {describe(expected)})"
            )
        raise AssertionError(f"{call} returned an array of {got} that differs: {where}")


def expect_ndarray(actual: Any, dtype: Any, shape: tuple[int, ...], call: str) -> None:
    """Fail unless `actual` is a NumPy array of this dtype and shape (values are the caller's job)."""
    if not isinstance(actual, np.ndarray):
        raise AssertionError(f"{call} returned {type(actual).__name__}; expected a np.ndarray")
    if actual.dtype != np.dtype(dtype) or actual.shape != tuple(shape):
        raise AssertionError(
            f"{call} returned dtype {actual.dtype}, shape {actual.shape}; expected {np.dtype(dtype)}, {tuple(shape)}"
        )


def expect(condition: bool, message: str | Callable[[], str]) -> None:
    """Fail with `message` unless `condition` holds (a plain assert that survives `python -O`).

    `message` may be a function returning the text: it is called only on failure, so a message
    that describes arrays evaluates nothing while the check passes."""
    if not condition:
        raise AssertionError(message() if callable(message) else message)


def expect_lazy(array: Any, call: str) -> None:
    """Fail if `array` is not an mx.array or was already evaluated."""
    expect(
        isinstance(array, mx.array), f"{call} returned {type(array).__name__}; expected an mx.array"
    )
    expect(
        not is_evaluated(array),
        f"{call} returned an array that is already evaluated; it must stay lazy "
        "(no mx.eval, print, .item(), .tolist(), np.array or `if` on arrays inside)",
    )


def call_compiled(function: Callable[..., Any], *args: Any, call: str) -> Any:
    """Run `function(*args)` under mx.compile, which refuses any evaluation inside it."""
    mx.enable_compile()  # MLX_DISABLE_COMPILE would otherwise turn the trap off
    try:
        return mx.compile(lambda *a: function(*a))(*args)
    except ValueError as exc:
        if "eval" in str(exc):
            raise AssertionError(
                f"{call} evaluated an array inside mx.compile ({exc}); replace Python `if`/.item()/print "
                "on arrays with array operations such as mx.where"
            ) from None
        raise


def thread_bound_stream() -> mx.Stream:
    """A CPU stream owned by a finished helper thread: ops built on it fail when evaluated here,
    naming the stream, which shows which stream an op was scheduled on."""
    box: list[mx.Stream] = []
    worker = threading.Thread(target=lambda: box.append(mx.new_stream(mx.cpu)))
    worker.start()
    worker.join()
    return box[0]


def ran_on(array: mx.array, stream: mx.Stream) -> bool:
    """True when evaluating `array` needs `stream` (made by `thread_bound_stream`)."""
    index = re.search(r", (\d+)\)$", repr(stream))
    try:
        mx.eval(array)
    except RuntimeError as exc:
        return index is not None and f"Stream(cpu, {index.group(1)})" in str(exc)
    return False


def run_isolated(
    module_path: Path, function: str, *args: Any, timeout: float = 20.0
) -> dict[str, Any]:
    """Call `function(*args)` from the module at `module_path` in a fresh Python process.

    For code that may crash the interpreter (out-of-bounds reads): the crash stays in the child.
    Arguments and the result travel as JSON (arrays as lists). Returns {"outcome": "returned",
    "value": ...}, {"outcome": "raised", "type": ..., "message": ...} or {"outcome": "crashed",
    "returncode": ...}. A NotImplementedError in the child is raised again here, so an untouched
    stub reads as "not implemented yet".
    """
    program = (
        "import importlib.util, json, os, sys\n"
        # The child runs student code too: it gets the grading process's guard.
        "sys.path.insert(0, sys.argv[4])\n"
        "from pathlib import Path\n"
        "from grader.engine import guard\n"
        # (under a bare pytest run, which may grade solutions/ itself, nothing is hidden)
        "sandboxed = os.environ.get('GRADE_SANDBOX') == '1'\n"
        "hidden = guard.course_hidden_paths(Path(sys.argv[4])) if sandboxed else []\n"
        "guard.install([os.getcwd(), os.environ.get('TMPDIR', os.getcwd())], hidden,"
        " lambda reason: None)\n"
        "import mlx.core as mx\n"
        "spec = importlib.util.spec_from_file_location('isolated_submission', sys.argv[1])\n"
        "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
        "args = [mx.array(a) if isinstance(a, list) else a for a in json.loads(sys.argv[3])]\n"
        "try:\n"
        "    value = getattr(module, sys.argv[2])(*args)\n"
        "    value = value.tolist() if isinstance(value, mx.array) else value\n"
        "    print(json.dumps({'outcome': 'returned', 'value': value}))\n"
        "except Exception as exc:\n"
        "    print(json.dumps({'outcome': 'raised', 'type': type(exc).__name__, 'message': str(exc)}))\n"
    )
    plain = [a.tolist() if isinstance(a, mx.array) else a for a in args]
    proc = subprocess.run(
        [
            sys.executable,
            "-I",
            "-B",
            "-c",
            program,
            str(module_path),
            function,
            json.dumps(plain),
            str(_COURSE_ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        return {"outcome": "crashed", "returncode": proc.returncode, "stderr": proc.stderr[-500:]}
    lines = proc.stdout.strip().splitlines()
    if not lines:
        return {"outcome": "crashed", "returncode": 0, "stderr": proc.stderr[-500:]}
    result: dict[str, Any] = json.loads(lines[-1])
    if result.get("type") == "NotImplementedError":
        raise NotImplementedError(result["message"])  # an untouched stub, reported as such
    return result


def spy_everywhere(
    monkeypatch: Any, function: Callable[..., Any], *modules: Any
) -> list[tuple[tuple[Any, ...], dict[str, Any], Any]]:
    """Record every call of `function` however the code under test reaches it.

    A wrapper replaces `function` under every name bound to it in each of `modules` (pass
    `mx` and the student's module): `mx.eval(...)`, `mlx.core.eval(...)` and an alias made by
    `from mlx.core import eval as evaluate` all land in it. Returns the list it appends
    `(args, kwargs, result)` to; `monkeypatch` undoes the replacement after the check.
    """
    calls: list[tuple[tuple[Any, ...], dict[str, Any], Any]] = []

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = function(*args, **kwargs)
        calls.append((args, kwargs, result))
        return result

    for module in modules:
        for name, value in list(vars(module).items()):
            if value is function:
                monkeypatch.setattr(module, name, wrapper)
    return calls
