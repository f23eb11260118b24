"""Exercise 2: implicit evaluation.

Exercise 1 evaluated arrays on purpose with `mx.eval`. Most evaluations in real code are not
written down: they happen because Python needs an actual number, and the only way MLX can give
it one is to run the graph behind the array. That is an implicit evaluation.

What forces an evaluation (the array's graph runs, and the array now holds data):
- printing or formatting: `print(a)`, `repr(a)`, `str(a)`, `f"{a}"`;
- turning an array into a Python value: `a.item()`, `float(a)`, `int(a)`, `bool(a)`, `a.tolist()`;
- using an array as a condition: `if a > 3:` and `while loss > tol:` call `bool()` on it;
- handing the data to another library: `np.array(a)`, `np.asarray(a)`, `memoryview(a)`;
- saving: `mx.save`, `mx.savez`, `mx.save_safetensors` need the bytes.

What does NOT evaluate (the answer is known while the graph is built, or is just another node):
- metadata: `a.shape`, `a.dtype`, `a.size`, `a.ndim`, `a.nbytes`, `len(a)`;
- indexing and slicing (`a[0]`, `a[:, 1:]`), reshaping, and arithmetic: they add nodes;
- `mx.array_equal(a, b)`, `mx.all(...)`, `mx.sum(...)`: they return lazy 0-d arrays. It is only
  when you turn that 0-d array into a Python `bool` that the graph runs.

Two details the chapter leaves out:
- An evaluation computes everything upstream of what was asked for. `float(mx.mean(y))` runs
  the graph of `y`, and every intermediate array your program still holds a reference to (`y`
  itself, the arrays `y` was built from) ends up evaluated as well.
- Only an array with exactly one element can become a Python scalar. `.item()`, `float()` and
  `if` on an array with several elements raise `ValueError: [convert] Only length-1 arrays can be
  converted to Python scalars.` Reduce first (`mx.all`, `mx.any`, `mx.sum`), then convert.

The chapter treats `if` on an array as a matter of performance ("use with caution"). Under
`mx.compile` and `mx.vmap` it is a hard error: any implicit evaluation inside a transformed
function raises `ValueError: [eval] Attempting to eval an array during function transformations
like compile or vmap is not allowed.` A Python `if` that looks at array values cannot be traced,
because the value is not known while the graph is being built. Write the decision as an array
operation instead: `mx.where(cond, a, b)` computes both candidates and picks one of them per
element (a 0-d `cond` broadcasts, so it picks for the whole array). The function stays lazy and
can be compiled and vmapped. NumPy's `np.where` is no substitute: it needs NumPy arrays, so it
evaluates.

Implement the functions below. Only `mean_as_float` and `all_within` may evaluate (their results
are Python values); the others must return lazy arrays and never evaluate anything.
"""

import mlx.core as mx


def describe_without_evaluating(a: mx.array) -> dict:
    """Describe `a` without computing it; return a dict with these keys:

    "shape":   the shape as a tuple of ints
    "dtype":   the dtype (an `mx.Dtype`, e.g. `mx.float32`)
    "size":    the number of elements (int)
    "ndim":    the number of dimensions (int)
    "nbytes":  the number of bytes its data takes (int)
    "preview": an mx.array holding the first `min(3, size)` elements of `a` in row-major order
               (a 1-D array), still lazy

    `a` may be the unevaluated result of a long computation: after the call it must still be
    unevaluated, and so must "preview".
    """
    # TODO: read the metadata and build the preview with array operations only.
    raise NotImplementedError(
        "TODO describe_without_evaluating: metadata and a lazy preview, never evaluate"
    )


def mean_as_float(x: mx.array) -> float:
    """Return the mean of all elements of `x` as a Python `float` (not an mx.array, not a NumPy
    scalar).

    Compute the mean with MLX (`x` may be bfloat16, which NumPy cannot read), then convert it.
    The conversion is an implicit evaluation.
    """
    # TODO: reduce with MLX, then turn the 0-d result into a Python float.
    raise NotImplementedError("TODO mean_as_float: mx.mean, then a conversion to float")


def all_within(a: mx.array, b: mx.array, tol: float) -> bool:
    """Return True when `|a - b| <= tol` holds for every element, as a Python `bool`.

    `a` and `b` have the same shape, which can be anything: a scalar, a vector, a matrix. They
    may be bfloat16, so compute with MLX.
    """
    # TODO: reduce the element-wise test to a single element before asking Python for a bool.
    raise NotImplementedError("TODO all_within: reduce with MLX first, then bool()")


def check_and_process(x: mx.array) -> mx.array:
    """The chapter's `check_and_process`, rewritten so that it never evaluates.

    processed = x * 2
    if the sum of ALL elements of `processed` is greater than 10: return processed * 3
    otherwise:                                                     return processed + 5

    The decision is taken once for the whole array (on its sum), as in the chapter. Do not use a
    Python `if` on an array: the function must return a lazy array and must work under
    `mx.compile` and under `mx.vmap` (where each row of a batch gets its own decision).
    """
    # TODO: compute both candidates and select with a 0-d condition.
    raise NotImplementedError("TODO check_and_process: replace the Python if with mx.where")


def leaky_relu(x: mx.array, slope: float) -> mx.array:
    """Return, element by element, `x` where `x > 0` and `slope * x` elsewhere. `slope` is any
    positive number, 1 and above included.

    Decide for each element separately, keep the dtype of `x`, return a lazy array, and work
    under `mx.compile`.
    """
    # TODO: an element-wise selection that stays in the graph.
    raise NotImplementedError("TODO leaky_relu: element-wise mx.where")
