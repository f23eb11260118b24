"""The same behaviour in other idioms: names worked out with pathlib, the writer picked with
`match`, and load_now evaluating the values of the dict one by one."""

# ruff: noqa: F821 (appended to the solution module, which provides the names)


def save_array(path, a):
    target = Path(path)
    mx.save(str(target), a)
    return target if target.name.endswith(".npy") else target.with_name(target.name + ".npy")


def load_now(path):
    arrays = mx.load(str(path))
    for value in arrays.values():
        mx.eval(value)
    return arrays


def round_trip(a, folder, fmt):
    path = str(Path(folder) / f"array.{fmt}")
    match fmt:
        case "npy":
            mx.save(path, a)
            return mx.load(path, stream=mx.cpu)
        case "npz":
            mx.savez(path, array=a)
        case "safetensors":
            mx.save_safetensors(path, {"array": a})
        case "gguf":
            mx.save_gguf(path, {"array": a})
        case _:
            raise ValueError(f"no MLX writer for {fmt!r}")
    return mx.load(path, stream=mx.cpu)["array"]
