"""Exercise 7: saving and loading.

MLX reads and writes arrays in four file formats, and picks the format from the file name:

- .npy: `mx.save(path, a)`; `mx.load` returns one array.
- .npz: `mx.savez(path, *arrays, **named)`, or `mx.savez_compressed(...)` for a deflated zip;
  `mx.load` returns a dict of name -> array.
- .safetensors: `mx.save_safetensors(path, {name: a}, metadata={str: str})`; `mx.load` returns a
  dict (and the metadata when asked).
- .gguf: `mx.save_gguf(path, {name: a}, metadata=...)`; `mx.load` returns a dict (and metadata).

File names:
- Every writer appends its extension when the name does not already end with it: `mx.save("deck",
  a)` writes `deck.npy`, and `mx.save("deck.txt", a)` writes `deck.txt.npy` (the check is an exact,
  case-sensitive "ends with", so the old suffix is kept, not replaced). None of them tells you the
  name it used, so a function that saves and hands back a path must work it out itself.
- `mx.load` needs the extension: `mx.load("deck")` raises `ValueError: [load] Could not infer file
  format from extension`.

Names inside a file:
- In `.npz`, positional arrays are stored as `arr_0`, `arr_1`, ... in order, and keyword arrays
  under their keyword: `mx.savez("decks", a, b=b)` holds the keys `arr_0` and `b`.
- safetensors and GGUF take a dict, so every array has a name. Both can also carry metadata:
  `mx.load(path, return_metadata=True)` returns `(arrays, metadata)`. For safetensors the metadata
  must map strings to strings. (`.npy`/`.npz` have no metadata; asking for it raises ValueError.)

Dtypes:
- A round trip keeps shape and dtype. bfloat16 survives .npy, .npz and safetensors; NumPy can
  read MLX's .npy/.npz files, but it has no bfloat16, so `np.load` hands back raw 2-byte void
  values for one. Saving through NumPy (`np.save(path, np.array(a))`) cannot do bfloat16 at all.
- Measured on MLX 0.32.4: safetensors rejects float64, and `mx.save_gguf` only takes float32,
  float16, int8, int16 and int32 (bfloat16 included in the refusals).
- float64 round-trips through .npy, but only the CPU stream computes with float64: on a GPU stream
  an operation with a float64 input or output raises `ValueError: float64 is not supported on the
  GPU` as soon as it is built. Loading is such an operation. On Apple silicon `mx.load` reads on
  the CPU stream unless told otherwise; on a CUDA build it uses the default stream, the GPU's.
  `mx.load(path, stream=mx.cpu)` reads on the CPU everywhere, and the loaded arrays can still be
  used by operations on any stream. Writing can run an operation too: `mx.save` evaluates `a`
  and copies it when it is not contiguous, on the default stream. On a build with a GPU (Metal
  or CUDA) that is the GPU's, so `mx.save(path, a)` of a float64 `a` can raise there (measured
  on CUDA); inside `with mx.stream(mx.cpu):` it succeeds on every build.

Saving and loading interact with lazy evaluation:
- Saving evaluates the arrays it writes (it needs their numbers).
- Loading is LAZY for .npy, .npz and safetensors: `mx.load` reads the header and returns
  unevaluated arrays; the data is read when they are evaluated. That is why loading a large model
  costs no memory until you use it. The flip side: if the file is overwritten before the arrays
  are evaluated, they read the NEW bytes (or garbage, or fail when the file got shorter). Evaluate
  them first if the file may change. (GGUF files are read at once.)

The chapter shows `mx.save`, `mx.load`, `mx.savez`; it does not say that loading is lazy, what
happens to a name with a different suffix, or how to keep metadata and bfloat16.

Implement the functions below with MLX's own writers and `mx.load`. `path` and `folder` may be a
`str` or a `pathlib.Path`.
"""

from pathlib import Path

import mlx.core as mx


def save_array(path: str | Path, a: mx.array) -> Path:
    """Save `a` in NumPy's .npy format at `path` and return the path of the file written.

    `path` may or may not end in ".npy". Return the real file name, as a `Path`, the way MLX
    chooses it. Every dtype, bfloat16 and float64 included, must come back with `mx.load`: write
    on the CPU stream (see the notes on float64 above).
    """
    # TODO: save with MLX, then work out the file name it used.
    raise NotImplementedError(
        "TODO save_array: save a as .npy and return the file actually written"
    )


def save_npz(
    path: str | Path, *arrays: mx.array, compressed: bool = False, **named: mx.array
) -> Path:
    """Save several arrays in one .npz file at `path`; return the path of the file written.

    Positional arrays must be stored under the default names `arr_0`, `arr_1`, ... (in order),
    and keyword arrays under their keyword. With `compressed=True` the file must be a compressed
    archive, otherwise an uncompressed one. Return the real file name (".npz" is appended when
    missing), as a `Path`.
    """
    # TODO: pick the writer from `compressed`; pass positionals and keywords through as they are.
    raise NotImplementedError(
        "TODO save_npz: save positional and named arrays, return the real path"
    )


def save_checkpoint(
    path: str | Path, params: dict[str, mx.array], metadata: dict[str, str]
) -> Path:
    """Save the named arrays `params` with the string `metadata` in the safetensors format.

    Every array keeps its name and its dtype (bfloat16 included: do not convert), and the metadata
    must come back from `mx.load(..., return_metadata=True)`. Return the real file name (MLX
    appends ".safetensors" when missing), as a `Path`.
    """
    # TODO: write a safetensors file with its metadata and return its path.
    raise NotImplementedError(
        "TODO save_checkpoint: save_safetensors with metadata, return the real path"
    )


def load_checkpoint(path: str | Path) -> tuple[dict[str, mx.array], dict[str, str]]:
    """Load a safetensors file; return `(arrays, metadata)`.

    Loading must stay lazy: return the arrays unevaluated, so nothing is read from the file until
    the caller uses them.
    """
    # TODO: one mx.load call that also returns the metadata.
    raise NotImplementedError("TODO load_checkpoint: load arrays and metadata without evaluating")


def load_now(path: str | Path) -> dict[str, mx.array]:
    """Load a .npz or .safetensors file into a dict of arrays that no longer depend on the file.

    The caller may overwrite or delete the file right after this returns; the arrays must still
    hold the values the file had when `load_now` was called.
    """
    # TODO: load, then make sure the data has really been read before returning.
    raise NotImplementedError("TODO load_now: load and read the data before the file can change")


def round_trip(a: mx.array, folder: str | Path, fmt: str) -> mx.array:
    """Save `a` to the file `array.<fmt>` in `folder`, load it back and return the loaded array.

    `fmt` is "npy", "npz", "safetensors" or "gguf"; use the matching MLX writer (for the formats
    that store names, store `a` under the name "array"). Any other `fmt` (names are exact and
    lower-case) raises ValueError before anything is written. Write inside
    `with mx.stream(mx.cpu):` and load with `stream=mx.cpu`, so that a float64 array goes and
    comes back on every build. The returned array must come from `mx.load` (not be `a` itself),
    keep `a`'s shape and dtype, and be returned as `mx.load` gives it: do not evaluate it.
    """
    # TODO: refuse unknown formats, write with the writer for fmt, then load, both on the CPU stream.
    raise NotImplementedError("TODO round_trip: save a in format fmt and load it back")
