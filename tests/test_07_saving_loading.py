"""Checks for exercise 7: saving and loading."""

import math
import os
import zipfile
from pathlib import Path

import mlx.core as mx
import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

from grader.checklib import describe, expect, expect_array, is_evaluated

# Dtypes each format round-trips on MLX 0.32.4 (measured): GGUF takes only these five, safetensors
# no float64.
FORMAT_DTYPES = {
    "npy": [
        mx.float32,
        mx.float16,
        mx.bfloat16,
        mx.float64,
        mx.int32,
        mx.int64,
        mx.int8,
        mx.uint8,
        mx.bool_,
    ],
    "npz": [mx.float32, mx.float16, mx.bfloat16, mx.int32, mx.int16, mx.uint8, mx.bool_],
    "safetensors": [
        mx.float32,
        mx.float16,
        mx.bfloat16,
        mx.int32,
        mx.int64,
        mx.int8,
        mx.uint8,
        mx.bool_,
    ],
    "gguf": [mx.float32, mx.float16, mx.int32, mx.int16, mx.int8],
}
LAZY_FORMATS = ("npy", "npz", "safetensors")  # mx.load reads GGUF files at once


def sample(shape: tuple, dtype: mx.Dtype, seed: int = 0) -> mx.array:
    """A small array of `shape` and `dtype` with varied, exactly representable values.

    Built on the CPU stream: on a GPU build (Metal, CUDA) the default stream is the GPU's, and
    any operation there with a float64 input or output raises (mlx/array.cpp, array::array)."""
    with mx.stream(mx.cpu):
        base = (mx.arange(math.prod(shape)) * (seed % 5 + 3) % 11 - 5).reshape(shape)
        if dtype == mx.bool_:
            return base > 0
        if dtype == mx.uint8:
            return (base + 5).astype(dtype)
        if mx.issubdtype(dtype, mx.floating):
            return base.astype(dtype) * 0.25
        return base.astype(dtype)


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def expect_same_array(actual, expected: mx.array, call: str) -> None:
    """Shape, dtype and values equal (works for bfloat16 and bool, unlike a trip through NumPy)."""
    expect(
        isinstance(actual, mx.array),
        f"{call} returned {type(actual).__name__}; expected an mx.array",
    )
    expect(
        actual.shape == expected.shape,
        f"{call} returned shape {actual.shape}; expected {expected.shape}",
    )
    expect(
        actual.dtype == expected.dtype,
        f"{call} returned dtype {actual.dtype}; expected {expected.dtype}",
    )
    expect(
        mx.array_equal(actual, expected, stream=mx.cpu).item(),  # the CPU stream takes float64
        lambda: f"{call} returned {describe(actual)}; expected {describe(expected)}",
    )


def test_save_array_returns_the_file_it_wrote(student, tmp_path):
    a = mx.array([[1.5, -2.0], [0.25, 4.0]])
    for given_name, written in [
        ("deck", "deck.npy"),
        ("deck.txt", "deck.txt.npy"),
        ("deck.npy", "deck.npy"),
        ("deck.NPY", "deck.NPY.npy"),  # the "ends with" test is case-sensitive
    ]:
        folder = tmp_path / given_name.replace(".", "_")
        folder.mkdir()
        for kind, target in [("str", str(folder / given_name)), ("Path", folder / given_name)]:
            call = f"save_array(<{kind} .../{given_name}>, a)"
            result = student.save_array(target, a)
            expect(
                isinstance(result, os.PathLike | str) and Path(result) == folder / written,
                f"{call} returned {describe(result)}; MLX wrote the file {written}, so expected the path .../{written}",
            )
            expect(
                files_in(folder) == [written],
                f"{call} left the files {files_in(folder)}; expected only {written}",
            )
            expect(
                np.array_equal(np.load(result), np.array(a)),
                f"np.load({call}) gave {describe(np.load(result))}; expected {describe(a)}",
            )


def test_save_array_keeps_float64(student, tmp_path):
    # On a GPU build (Metal, CUDA) the default stream is the GPU's, which refuses float64: the
    # write must run on the CPU stream. A plain CPU build cannot tell; CI's Mac and CUDA can.
    values = [0.1, 1 / 3, 2.0**-40, -7.25, 1e300, 5e-324]
    with mx.stream(mx.cpu):
        whole = mx.array(values, dtype=mx.float64)
        strided = whole[::2]  # not contiguous: saving copies it first
    for label, a in [("a float64 array", whole), ("a strided float64 view", strided)]:
        folder = tmp_path / label.replace(" ", "_")
        folder.mkdir()
        call = f"save_array(.../x, <{label}>)"
        try:
            result = student.save_array(folder / "x", a)
        except NotImplementedError:  # a RuntimeError too, but an untouched stub says so itself
            raise
        except (RuntimeError, ValueError) as exc:
            raise AssertionError(
                f"{call} raised {type(exc).__name__}: {exc}; write inside `with mx.stream(mx.cpu):` "
                "(a GPU stream refuses float64)"
            ) from None
        expect_same_array(mx.load(str(result), stream=mx.cpu), a, f"mx.load({call})")
        expect(
            np.load(result).tolist() == np.array(a).tolist(),
            f"np.load({call}) gave {describe(np.load(result))}; expected every digit of {describe(a)}",
        )


def test_save_array_keeps_bfloat16(student, tmp_path):
    a = mx.array([1.5, -2.25, 3.0e3], dtype=mx.bfloat16)
    result = student.save_array(tmp_path / "weights", a)
    call = "save_array(.../weights, <bfloat16 array>)"
    expect(
        Path(result) == tmp_path / "weights.npy",
        f"{call} returned {describe(result)}; expected .../weights.npy",
    )
    expect_same_array(mx.load(str(result)), a, f"mx.load({call})")
    raw = np.load(result)
    expect(
        raw.dtype.kind == "V" and raw.dtype.itemsize == 2,
        f"np.load({call}) has dtype {raw.dtype}; expected raw 2-byte values (NumPy has no bfloat16): "
        "the file must hold bfloat16, not a converted dtype",
    )


def test_save_npz_keeps_positional_and_keyword_names(student, tmp_path):
    a, b, w = mx.arange(3), mx.array([[1.0, 2.0]]), mx.array([True, False])
    result = student.save_npz(tmp_path / "decks", a, b, w=w)
    call = "save_npz(.../decks, a, b, w=w)"
    expect(
        isinstance(result, os.PathLike | str) and Path(result) == tmp_path / "decks.npz",
        f"{call} returned {describe(result)}; MLX wrote decks.npz, so expected the path .../decks.npz",
    )
    with np.load(result) as archive:
        keys = sorted(archive.files)
        expect(
            keys == ["arr_0", "arr_1", "w"],
            f"{call} stored the keys {keys}; expected ['arr_0', 'arr_1', 'w'] (positional arrays numbered, "
            "keyword arrays under their names)",
        )
        expect(
            np.array_equal(archive["arr_1"], np.array(b)),
            f"np.load({call})['arr_1'] is {describe(archive['arr_1'])}",
        )
    loaded = mx.load(str(result))
    expect(
        isinstance(loaded, dict), f"mx.load({call}) gave {type(loaded).__name__}; expected a dict"
    )
    expect_same_array(loaded["arr_0"], a, f"mx.load({call})['arr_0']")
    expect_same_array(loaded["w"], w, f"mx.load({call})['w']")
    again = student.save_npz(tmp_path / "named.npz", x=a)
    expect(
        Path(again) == tmp_path / "named.npz",
        f"save_npz(.../named.npz, x=a) returned {describe(again)}",
    )


def test_save_npz_compresses_only_when_asked(student, tmp_path):
    zeros = mx.zeros((64, 64))
    for compressed, method, label in [
        (True, zipfile.ZIP_DEFLATED, "deflated"),
        (False, zipfile.ZIP_STORED, "stored"),
    ]:
        call = f"save_npz(.../z{int(compressed)}, zeros, compressed={compressed})"
        result = student.save_npz(tmp_path / f"z{int(compressed)}", zeros, compressed=compressed)
        with zipfile.ZipFile(result) as archive:
            methods = {info.filename: info.compress_type for info in archive.infolist()}
        expect(
            set(methods.values()) == {method},
            f"{call} wrote zip members with compression methods {methods}; expected all {label} "
            f"(zip method {method})",
        )
        expect_array(
            mx.load(str(result))["arr_0"],
            np.zeros((64, 64), np.float32),
            f"mx.load({call})['arr_0']",
        )


def test_save_checkpoint_keeps_metadata_and_bfloat16(student, tmp_path):
    params = {"w": sample((2, 3), mx.bfloat16), "b": sample((3,), mx.float32), "step": mx.array(7)}
    metadata = {"model": "tiny", "epoch": "3"}
    result = student.save_checkpoint(tmp_path / "ckpt", params, metadata)
    call = "save_checkpoint(.../ckpt, params, {'model': 'tiny', 'epoch': '3'})"
    expect(
        isinstance(result, os.PathLike | str) and Path(result) == tmp_path / "ckpt.safetensors",
        f"{call} returned {describe(result)}; expected .../ckpt.safetensors (the file MLX wrote)",
    )
    arrays, meta = mx.load(str(result), return_metadata=True)
    expect(
        meta == metadata, f"the metadata saved by {call} reads back as {meta}; expected {metadata}"
    )
    expect(
        sorted(arrays) == ["b", "step", "w"],
        f"{call} stored the names {sorted(arrays)}; expected ['b', 'step', 'w']",
    )
    for name, value in params.items():
        expect_same_array(arrays[name], value, f"mx.load({call})[{name!r}]")


def test_load_checkpoint_stays_lazy(student, tmp_path):
    params = {"w": sample((4, 2), mx.bfloat16, 1), "n": mx.array([1, 2, 3])}
    path = tmp_path / "lazy.safetensors"
    mx.save_safetensors(str(path), params, metadata={"note": "lazy"})
    result = student.load_checkpoint(path)
    call = "load_checkpoint(.../lazy.safetensors)"
    # Messages built before the laziness check must not print arrays: printing evaluates them.
    expect(
        isinstance(result, tuple) and len(result) == 2,
        f"{call} returned {type(result).__name__}; expected a tuple (arrays, metadata)",
    )
    arrays, metadata = result
    expect(
        isinstance(arrays, dict), f"{call}[0] is {type(arrays).__name__}; expected a dict of arrays"
    )
    expect(
        metadata == {"note": "lazy"},
        f"{call}[1] is {describe(metadata)}; expected {{'note': 'lazy'}}",
    )
    evaluated = sorted(name for name, value in arrays.items() if is_evaluated(value))
    expect(
        not evaluated,
        f"{call} returned evaluated arrays {evaluated}; mx.load is lazy, so return what it gives without "
        "evaluating (no mx.eval, print or conversion)",
    )
    for name, value in params.items():
        expect_same_array(arrays.get(name), value, f"{call}[0][{name!r}]")


def test_load_now_survives_overwriting_the_file(student, tmp_path):
    path = tmp_path / "live.safetensors"
    mx.save_safetensors(
        str(path), {"w": mx.arange(6, dtype=mx.float32), "k": mx.array([1, 2], dtype=mx.int8)}
    )
    result = student.load_now(path)
    call = "load_now(.../live.safetensors)"
    expect(
        isinstance(result, dict),
        f"{call} returned {type(result).__name__}; expected a dict of arrays",
    )
    # Same names, shapes and dtypes, other numbers: a lazy load would now read these.
    mx.save_safetensors(str(path), {"w": mx.full((6,), 7.0), "k": mx.array([9, 9], dtype=mx.int8)})
    expect(
        result.get("w") is not None and result["w"].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0],
        f"after {call}, the file was overwritten and result['w'] is now {describe(result.get('w'))}; expected "
        "[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]: mx.load is lazy and reads the file when the arrays are evaluated, "
        "so evaluate them before returning",
    )
    expect_same_array(
        result["k"], mx.array([1, 2], dtype=mx.int8), f"{call}['k'] after the file was overwritten"
    )


round_trip_cases = st.sampled_from(sorted(FORMAT_DTYPES)).flatmap(
    lambda fmt: st.tuples(st.just(fmt), st.sampled_from(FORMAT_DTYPES[fmt]))
)
shapes = st.lists(st.integers(0, 4), min_size=0, max_size=3).map(tuple)


@given(case=round_trip_cases, shape=shapes, seed=st.integers(0, 100))
@example(case=("npy", mx.float64), shape=(2, 3), seed=1)
def test_round_trip_keeps_dtype_shape_and_values(student, tmp_path_factory, case, shape, seed):
    fmt, dtype = case
    folder = tmp_path_factory.mktemp("round_trip")
    a = sample(shape, dtype, seed)
    mx.eval(a)
    result = student.round_trip(a, folder, fmt)
    call = f"round_trip(<{dtype} array of shape {shape}>, folder, {fmt!r})"
    expect(
        result is not a, f"{call} returned `a` itself; expected the array loaded back from the file"
    )
    expect(
        files_in(folder) == [f"array.{fmt}"],
        f"{call} left the files {files_in(folder)}; expected ['array.{fmt}']",
    )
    expect_same_array(result, a, call)


def test_round_trip_stays_lazy(student, tmp_path):
    a = sample((3, 4), mx.float16, 2)
    for fmt in LAZY_FORMATS:
        folder = tmp_path / fmt
        folder.mkdir()
        result = student.round_trip(a, folder, fmt)
        call = f"round_trip(<float16 array>, folder, {fmt!r})"
        expect(
            isinstance(result, mx.array),
            f"{call} returned {type(result).__name__}; expected an mx.array",
        )
        expect(
            not is_evaluated(result),
            f"{call} returned an evaluated array; expected it as mx.load returns it, unevaluated (the data is "
            "read from the file only when it is used)",
        )
        expect_same_array(result, a, call)


def test_round_trip_refuses_unknown_formats(student, tmp_path):
    a = sample((2,), mx.float32)
    for fmt in ("pickle", "NPY", "npz_compressed", ""):
        folder = tmp_path / (fmt or "empty")
        folder.mkdir()
        call = f"round_trip(a, folder, {fmt!r})"
        try:
            result = student.round_trip(a, folder, fmt)
        except ValueError:
            pass
        else:
            raise AssertionError(
                f"{call} returned {describe(result)}; expected ValueError: only 'npy', 'npz', "
                "'safetensors' and 'gguf' are formats"
            )
        expect(
            files_in(folder) == [],
            f"{call} raised ValueError but left the files {files_in(folder)}; refuse the format "
            "before writing anything",
        )
