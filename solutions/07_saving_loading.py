"""Exercise 7: saving and loading (reference solution)."""

import os
from pathlib import Path

import mlx.core as mx


def _written_as(path: str | Path, extension: str) -> Path:
    """The name an MLX writer really uses: `extension` is appended unless the name ends with it."""
    name = os.fspath(path)
    return Path(name if name.endswith(extension) else name + extension)


def save_array(path: str | Path, a: mx.array) -> Path:
    """Save `a` as .npy at `path` and return the path of the file written."""
    # mx.save writes bfloat16 too (NumPy could not), and evaluates `a` to do so: on the CPU
    # stream, where float64 works on every build (a GPU default stream refuses it).
    with mx.stream(mx.cpu):
        mx.save(os.fspath(path), a)
    # mx.save appends ".npy" when it is missing, and does not tell us: compute the same name.
    return _written_as(path, ".npy")


def save_npz(
    path: str | Path, *arrays: mx.array, compressed: bool = False, **named: mx.array
) -> Path:
    """Save several arrays in one .npz file; return the path of the file written."""
    writer = mx.savez_compressed if compressed else mx.savez
    # Positionals become arr_0, arr_1, ...; keywords keep their names.
    writer(os.fspath(path), *arrays, **named)
    return _written_as(path, ".npz")


def save_checkpoint(
    path: str | Path, params: dict[str, mx.array], metadata: dict[str, str]
) -> Path:
    """Save named arrays and string metadata as safetensors; return the path of the file written."""
    # safetensors stores bfloat16 natively, so the arrays go in as they are.
    mx.save_safetensors(os.fspath(path), params, metadata=metadata)
    return _written_as(path, ".safetensors")


def load_checkpoint(path: str | Path) -> tuple[dict[str, mx.array], dict[str, str]]:
    """Load a safetensors file; return `(arrays, metadata)`, the arrays unevaluated."""
    # mx.load only reads the header here; the data is read when the arrays are evaluated.
    arrays, metadata = mx.load(os.fspath(path), return_metadata=True)
    return arrays, metadata


def load_now(path: str | Path) -> dict[str, mx.array]:
    """Load a .npz or .safetensors file into arrays that no longer depend on the file."""
    arrays = mx.load(os.fspath(path))
    # A lazy load reads the file at eval time; evaluate now, before anyone can change the file.
    mx.eval(arrays)
    return arrays


def round_trip(a: mx.array, folder: str | Path, fmt: str) -> mx.array:
    """Save `a` as `folder/array.<fmt>`, load it back and return the loaded array, unevaluated."""
    writers = {
        "npy": lambda path: mx.save(path, a),
        "npz": lambda path: mx.savez(path, array=a),
        "safetensors": lambda path: mx.save_safetensors(path, {"array": a}),
        "gguf": lambda path: mx.save_gguf(path, {"array": a}),
    }
    # Refuse before writing: a fallback writer would leave a file under a name nobody asked for.
    if fmt not in writers:
        raise ValueError(f"unknown format {fmt!r}; expected one of {sorted(writers)}")
    path = os.fspath(Path(folder) / f"array.{fmt}")
    # The CPU stream takes every dtype; a GPU stream (Metal or CUDA) refuses float64. Writing may
    # run an op on the default stream (mx.save evaluates, and copies a non-contiguous array), and
    # loading runs on the GPU stream of a CUDA build, so both go to the CPU.
    with mx.stream(mx.cpu):
        writers[fmt](path)
    loaded = mx.load(path, stream=mx.cpu)
    # .npy gives one array; the other formats give a dict of names.
    return loaded if fmt == "npy" else loaded["array"]
