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

_PRIMITIVE = re.compile(r'\[label ="([^"]+)", shape=rectangle\]')


def is_evaluated(array: mx.array) -> bool:
    """True when `array` holds computed data; asking does not evaluate it."""
    try:
        mx.get_array_buffer_size(array)
        return True
    except ValueError:
        return False
    except AttributeError:  # MLX before 0.32.3: a lazy array still lists pending primitives
        return not graph_primitives(array)


def graph_primitives(*arrays: mx.array) -> list[str]:
    """Names of the primitives still pending in the graph behind `arrays` (empty once evaluated)."""
    out = io.StringIO()
    mx.export_to_dot(out, *arrays)
    return _PRIMITIVE.findall(out.getvalue())


def describe(value: Any) -> str:
    """A short, readable rendering of a value for failure messages. It evaluates a small array
    (as printing does), so call it only once a check has failed, never in a message built up front."""
    if isinstance(value, mx.array):
        if value.size <= 12:
            return f"mx.array({value.tolist()}, dtype={value.dtype})"
        return f"mx.array(shape={tuple(value.shape)}, dtype={value.dtype})"
    if isinstance(value, np.ndarray):
        if value.size <= 12:
            return f"np.array({value.tolist()}, dtype={value.dtype})"
        return f"np.ndarray(shape={value.shape}, dtype={value.dtype})"
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."


def expect_array(
    actual: Any, expected: Any, call: str, *, rtol: float = 1e-5, atol: float = 1e-6
) -> None:
    """Fail unless `actual` is an mx.array with the shape, dtype and values of `expected`."""
    expected = expected if isinstance(expected, mx.array) else mx.array(expected)
    if not isinstance(actual, mx.array):
        raise AssertionError(
            f"{call} returned {type(actual).__name__} {describe(actual)}; expected an mx.array {describe(expected)}"
        )
    if tuple(actual.shape) != tuple(expected.shape):
        raise AssertionError(
            f"{call} returned shape {tuple(actual.shape)}; expected {tuple(expected.shape)} ({describe(expected)})"
        )
    if actual.dtype != expected.dtype:
        raise AssertionError(f"{call} returned dtype {actual.dtype}; expected {expected.dtype}")
    same = mx.allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True).item()
    if not same:
        raise AssertionError(f"{call} returned {describe(actual)}; expected {describe(expected)}")


def expect_ndarray(actual: Any, dtype: Any, shape: tuple[int, ...], call: str) -> None:
    """Fail unless `actual` is a NumPy array of this dtype and shape (values are the caller's job)."""
    if not isinstance(actual, np.ndarray):
        raise AssertionError(f"{call} returned {type(actual).__name__}; expected a np.ndarray")
    if actual.dtype != np.dtype(dtype) or actual.shape != tuple(shape):
        raise AssertionError(
            f"{call} returned dtype {actual.dtype}, shape {actual.shape}; expected {np.dtype(dtype)}, {tuple(shape)}"
        )


def expect(condition: bool, message: str) -> None:
    """Fail with `message` unless `condition` holds (a plain assert that survives `python -O`)."""
    if not condition:
        raise AssertionError(message)


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
        "import importlib.util, json, sys\n"
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
        [sys.executable, "-c", program, str(module_path), function, json.dumps(plain)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        return {"outcome": "crashed", "returncode": proc.returncode, "stderr": proc.stderr[-500:]}
    lines = proc.stdout.strip().splitlines()
    if not lines:
        return {"outcome": "crashed", "returncode": 0, "stderr": proc.stderr[-500:]}
    result = json.loads(lines[-1])
    if result.get("type") == "NotImplementedError":
        raise NotImplementedError(result["message"])  # an untouched stub, reported as such
    return result



def spy_everywhere(
    monkeypatch: Any, function: Callable[..., Any], *modules: Any
) -> list[tuple[tuple, dict, Any]]:
    """Record every call of `function` however the code under test reaches it.

    A wrapper replaces `function` under every name bound to it in each of `modules` (pass
    `mx` and the student's module): `mx.eval(...)`, `mlx.core.eval(...)` and an alias made by
    `from mlx.core import eval as evaluate` all land in it. Returns the list it appends
    `(args, kwargs, result)` to; `monkeypatch` undoes the replacement after the check.
    """
    calls: list[tuple[tuple, dict, Any]] = []

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = function(*args, **kwargs)
        calls.append((args, kwargs, result))
        return result

    for module in modules:
        for name, value in list(vars(module).items()):
            if value is function:
                monkeypatch.setattr(module, name, wrapper)
    return calls
