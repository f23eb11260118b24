"""`metal_array` behaves as MLX's source says an array does where Metal is available.

Each expectation below names the MLX source it rests on (read at tag v0.32.1); the module under
test, grader/apple_silicon.py, quotes the same lines. Everything but DLPack must match a plain
array exactly, so the checks of exercise 9 judge an answer as a Mac would.
"""

import mlx.core as mx
import numpy as np
import pytest

from grader.apple_silicon import metal_array

# What NumPy raises for a device it cannot read: RuntimeError up to 2.4, BufferError from 2.5
# (both measured: 2.4.6 here, 2.5.2 on the CUDA machine).
NUMPY_REFUSES = (RuntimeError, BufferError)


@pytest.fixture
def pair():
    plain = (mx.arange(6, dtype=mx.int32) * 3).reshape(2, 3)
    mx.eval(plain)
    return plain, metal_array(plain)


def test_it_is_an_mlx_array_with_the_same_values(pair):
    plain, metal = pair
    assert isinstance(metal, mx.array)
    assert metal.dtype == plain.dtype and metal.shape == plain.shape
    assert mx.array_equal(metal, plain).item()
    assert (metal + 1).tolist() == (plain + 1).tolist()


def test_its_memory_is_its_own(pair):
    plain, metal = pair
    assert not np.shares_memory(np.asarray(metal), np.asarray(plain))


def test_the_buffer_protocol_is_a_plain_arrays(pair):
    # python/src/buffer.h, getbuffer: a.data<void>(), CPU-visible on Apple silicon too.
    plain, metal = pair
    view = memoryview(metal)
    assert (view.format, view.shape, view.readonly) == ("i", (2, 3), False)
    assert np.shares_memory(np.asarray(metal), np.asarray(metal))
    np.asarray(metal)[1, 2] = 99
    assert metal[1, 2].item() == 99


def test_np_array_copies_as_for_a_plain_array(pair):
    _, metal = pair
    assert not np.shares_memory(np.array(metal), np.asarray(metal))


def test_it_reports_metal(pair):
    # python/src/array.cpp, __dlpack_device__: (8, 0) whenever metal::is_available().
    plain, metal = pair
    assert metal.__dlpack_device__() == (8, 0)
    assert plain.__dlpack_device__() == (1, 0)


@pytest.mark.parametrize("dtype", [mx.int32, mx.float32, mx.bfloat16, mx.bool_, mx.uint8])
def test_numpy_refuses_its_default_export(dtype):
    # convert.cpp, mlx_to_nd_array: no dl_device means Metal; NumPy refuses that device.
    metal = metal_array(mx.ones((3,)).astype(dtype))
    with pytest.raises(NUMPY_REFUSES, match="^Unsupported device in DLTensor.$"):
        np.from_dlpack(metal)


def test_a_cpu_request_shares_the_arrays_memory(pair):
    # convert.cpp, mlx_to_nd_array: dl_device=(1, 0) exports raw_ptr(), the CPU pointer.
    _, metal = pair
    shared = np.from_dlpack(metal, device="cpu")
    assert np.shares_memory(shared, np.asarray(metal))
    copied = np.from_dlpack(metal, device="cpu", copy=True)
    assert not np.shares_memory(copied, np.asarray(metal))
    assert np.array_equal(copied, np.asarray(metal))


@pytest.mark.parametrize(
    "device, message",
    [
        ((2, 0), "CUDA DLPack export is not supported."),
        ((13, 0), "CUDA DLPack export is not supported."),
        ((4, 0), "Cannot export mlx array to requested DLPack device."),
    ],
)
def test_other_devices_raise_mlxs_buffer_errors(pair, device, message):
    _, metal = pair
    with pytest.raises(BufferError, match=f"^{message}$"):
        metal.__dlpack__(dl_device=device)


def test_a_metal_request_is_a_dlpack_capsule(pair):
    _, metal = pair
    capsule = metal.__dlpack__(dl_device=(8, 0))
    assert type(capsule).__name__ == "PyCapsule"
    assert "dltensor" in repr(capsule)


@pytest.mark.skipif(not mx.metal.is_available(), reason="needs Metal: CI's macos-14 job runs it")
def test_a_real_metal_array_behaves_as_the_stand_in():
    # Where Metal is, a plain array is the case the stand-in imitates: every behaviour above
    # must hold for it too.
    real = mx.arange(6, dtype=mx.int32).reshape(2, 3)
    mx.eval(real)
    stand_in = metal_array(real)
    for a in (real, stand_in):
        assert a.__dlpack_device__() == (8, 0)
        with pytest.raises(NUMPY_REFUSES, match="^Unsupported device in DLTensor.$"):
            np.from_dlpack(a)
        assert np.shares_memory(np.from_dlpack(a, device="cpu"), np.asarray(a))
        assert not np.shares_memory(np.array(a), np.asarray(a))
        assert memoryview(a).format == "i"
        for device, message in [((2, 0), "CUDA DLPack"), ((4, 0), "Cannot export")]:
            with pytest.raises(BufferError, match=message):
                a.__dlpack__(dl_device=device)
