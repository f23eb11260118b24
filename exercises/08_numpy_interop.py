"""Exercise 8: NumPy interop.

MLX arrays implement Python's buffer protocol, so NumPy can read them directly. Which NumPy call
you use decides whether you get a COPY or a VIEW of MLX's memory, and the difference matters:

- `np.array(a)` copies. The result owns its data (`flags.owndata` is True). Later writes to either
  side are not seen by the other.
- `np.asarray(a)` and `np.array(a, copy=False)` do not copy. They return a writable VIEW of the
  buffer that `a` uses (`flags.owndata` is False, `base` is a memoryview). Writing to the view
  changes `a`. With NumPy 2, `copy=False` means "never copy": when a copy cannot be avoided (for
  example `np.array(a, dtype=np.float64, copy=False)` on a float32 array) it raises
  `ValueError: Unable to avoid copy...` instead of copying quietly. Any of these conversions
  evaluates a lazy `a` first.
- `mx.array(np_arr)` always copies in the other direction. `mx.asarray(np_arr)` may share instead:
  on Apple silicon MLX wraps NumPy's memory when Metal can use its address, on Linux it copies.

On a Mac these views work the same way. Metal buffers are unified memory that the CPU can address,
and the buffer protocol hands NumPy that CPU address. DLPack is different: there MLX reports the
device Metal, `(8, 0)`, and NumPy only imports CPU memory, so `np.from_dlpack(a)` fails on Apple
silicon while `np.from_dlpack(a, device="cpu")` (NumPy 2.1+) asks MLX for the CPU address and
works everywhere. It returns a read-only view (exercise 9 has more on DLPack).

How to tell which one you hold: `np.shares_memory(x, np.asarray(a))` is True only for a view;
`x.flags.owndata` is False for a view; and the behavioural test is to write a sentinel value through
`x` and read `a` back.

Two dtype traps:
- NumPy has no bfloat16, so `np.array(bf16_array)` raises
  `ValueError: 'bfloat16' is not a valid PEP 3118 buffer format string`. Convert in MLX first,
  with `a.astype(mx.float32)`, which holds every bfloat16 value exactly. float16 does not: it has a
  much smaller range (bfloat16 1e30 becomes inf) and is a different dtype.
- `mx.array(np_float64_array)` gives float32: MLX narrows NumPy's default float type unless you
  pass `dtype=mx.float64`. Making the array needs no stream, but every operation on float64 must
  run on the CPU stream: on a Mac, or on CUDA, the default stream is the GPU's, and an operation
  there raises `ValueError: float64 is not supported on the GPU` as soon as it is built (so write
  `mx.sum(x, stream=mx.cpu)`). A CPU-only build has only the CPU stream. (`mx.load` of a float64
  `.npy` file keeps float64.)

The gradient pitfall. MLX's transformations (`grad`, `value_and_grad`, `vmap`, `compile`) only see
MLX operations. If a function writes through a NumPy view, MLX does not know:

    def f(x):
        v = np.array(x, copy=False)
        v[:] *= v              # squares x's memory behind MLX's back
        return x.sum()

`mx.value_and_grad(f)(mx.array([3.0]))` returns the right value 9.0 but the gradient 1.0, the
derivative of `sum(x)`, instead of 2x = 6.0. Worse, it has overwritten the caller's `x` with 9.0.
The fix is to express the computation with MLX operations only (`x * x`, `mx.square`).

The chapter's NumPy section is still right about copies, views and bfloat16. It leaves out the
float64 narrowing, the NumPy 2 meaning of `copy=False`, the mutation of the caller's array, and
what changes on a Mac.
"""

import mlx.core as mx
import numpy as np


def to_numpy_copy(a: mx.array) -> np.ndarray:
    """Return a NumPy array with `a`'s values, dtype and shape that OWNS its data.

    Writing into the result must never change `a`, and writing into `a`'s memory afterwards must
    never change the result.
    """
    # TODO: make an independent NumPy copy.
    raise NotImplementedError("TODO to_numpy_copy: return a NumPy copy of a")


def to_numpy_view(a: mx.array) -> np.ndarray:
    """Return a writable NumPy VIEW of `a`'s memory, without copying.

    The result must share memory with `a`, must not own its data, and a value written into it
    must be seen when `a` is read afterwards.
    """
    # TODO: make a zero-copy NumPy view.
    raise NotImplementedError("TODO to_numpy_view: return a zero-copy NumPy view of a")


def holds_view(np_arr: np.ndarray, mx_arr: mx.array) -> bool:
    """Return True if `np_arr` shares memory with `mx_arr`'s buffer, False otherwise.

    A NumPy array that does not own its data is not necessarily a view of `mx_arr`: it may be a
    view of another NumPy array, or of another MLX array. Neither array's values may change.
    """
    # TODO: compare memory, not values or flags.
    raise NotImplementedError("TODO holds_view: decide whether np_arr shares memory with mx_arr")


def bf16_to_numpy(a: mx.array) -> np.ndarray:
    """Return a NumPy float32 array holding exactly the values of the bfloat16 array `a`.

    Same shape; dtype float32; every value equal to the bfloat16 value, including very large and
    very small ones.
    """
    # TODO: convert in MLX to a dtype NumPy understands and can hold every bfloat16 value, then copy.
    raise NotImplementedError("TODO bf16_to_numpy: convert a bfloat16 array to NumPy float32")


def keep_float64(np_arr: np.ndarray) -> mx.array:
    """Return an MLX copy of the NumPy float64 array `np_arr` that stays float64.

    The result has dtype `mx.float64` and exactly the values of `np_arr` (no rounding to float32),
    and later writes into `np_arr` do not change it.
    """
    # TODO: convert without letting MLX narrow the dtype.
    raise NotImplementedError("TODO keep_float64: convert np_arr to an mx.float64 array")


def square_sum_and_grad(x: mx.array) -> tuple[mx.array, mx.array]:
    """Return `(value, grad)` of `f(x) = sum(x ** 2)` at `x`; `mx.value_and_grad` gives both.

    value is a scalar equal to sum(x ** 2) and grad equals 2 * x. Build f with MLX operations only:
    no NumPy conversion anywhere, so that the gradient is right, the caller's `x` is left
    untouched, value is itself a function of `x` that MLX can differentiate, and the function
    also works under `mx.vmap` and `mx.compile`.
    """
    # TODO: define f with MLX operations and differentiate it.
    raise NotImplementedError("TODO square_sum_and_grad: mx.value_and_grad of sum(x ** 2)")
