"""The same behaviour in other idioms: names worked out with pathlib, the writer picked with
`match`, and load_now evaluating the values of the dict one by one."""

# ruff: noqa: F821 (appended to the solution module, which provides the names)


def save_array(path, a):
    target = Path(path)
    with mx.stream(mx.default_stream(mx.cpu)):  # float64 needs the CPU
        mx.save(str(target), a)
    return target if target.name.endswith(".npy") else target.with_name(target.name + ".npy")


def load_now(path):
    arrays = mx.load(str(path))
    for value in arrays.values():
        mx.eval(value)
    return arrays


def round_trip(a, folder, fmt):
    path = str(Path(folder) / f"array.{fmt}")
    cpu = mx.cpu  # float64 exists only on the CPU stream: write and read there
    match fmt:
        case "npy":
            _on(cpu, mx.save, path, a)
            return mx.load(path, stream=cpu)
        case "npz":
            _on(cpu, mx.savez, path, array=a)
        case "safetensors":
            _on(cpu, mx.save_safetensors, path, {"array": a})
        case "gguf":
            _on(cpu, mx.save_gguf, path, {"array": a})
        case _:
            raise ValueError(f"no MLX writer for {fmt!r}")
    return mx.load(path, stream=cpu)["array"]


def _on(device, write, *args, **kwargs):
    with mx.stream(device):
        write(*args, **kwargs)
