"""Checks for exercise 10: a training loop with mlx.nn and mlx.optimizers."""

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim
import pytest
from mlx.utils import tree_flatten

from grader.checklib import describe, expect, expect_array, graph_primitives, is_evaluated

# The array methods through which Python code can start an evaluation without calling mx.eval,
# and how a message names each.
IMPLICIT_EVALUATIONS = {
    "item": ".item()",
    "tolist": ".tolist()",
    "__float__": "float()",
    "__int__": "int()",
    "__bool__": "bool() or if",
    "__index__": "use as an index",
    "__repr__": "print or repr",
    "__format__": "an f-string",
    "__array__": "np.array",
}


class Recorder:
    """Keeps every output of a Probe's forward passes (a plain object, so not a parameter)."""

    def __init__(self) -> None:
        self.outputs: list[mx.array] = []


class Probe(nn.Module):
    """The checks' own two-layer perceptron. It remembers its outputs, so a check can tell
    whether the forward pass was evaluated at a given moment."""

    def __init__(self, hidden: int = 8) -> None:
        super().__init__()
        self.hidden = nn.Linear(3, hidden)
        self.out = nn.Linear(hidden, 1)
        self.record = Recorder()

    def __call__(self, x: mx.array) -> mx.array:
        y = self.out(nn.relu(self.hidden(x)))
        self.record.outputs.append(y)
        return y


class WatchedAdam(optim.Adam):
    """Adam that notes, each time it is applied (optimizer.update goes through here), what was
    already evaluated and how large the graph of the update is."""

    def __init__(self, probe: Probe, learning_rate: float) -> None:
        super().__init__(learning_rate=learning_rate)
        self.probe = probe
        self.seen: list[dict[str, Any]] = []
        self._outputs_seen = 0

    def apply_gradients(self, gradients: dict, parameters: dict) -> dict:
        outputs = self.probe.record.outputs[self._outputs_seen :]
        self._outputs_seen = len(self.probe.record.outputs)
        grads = leaves(gradients)
        updated = super().apply_gradients(gradients, parameters)
        self.seen.append(
            {
                "forward_evaluated": any(is_evaluated(o) for o in outputs),
                "gradients_evaluated": any(is_evaluated(g) for g in grads),
                "update_graph": len(graph_primitives(*leaves((updated, self.state)))),
            }
        )
        return updated


@pytest.fixture(autouse=True, scope="module")
def uncompiled():
    """Run functions wrapped in mx.compile (nn.relu and nn.ReLU among them) as plain functions
    while these checks run: the values are the same, and on the CPU backend the first call of a
    compiled function builds and compiles C++ code, which took 2 to 4 s in a grading process
    (its temporary folder, where MLX caches the build, starts empty)."""
    mx.disable_compile()
    yield
    mx.enable_compile()


def leaves(tree: Any) -> list[mx.array]:
    """Every array in a tree of dicts, lists and tuples."""
    return [v for _, v in tree_flatten(tree) if isinstance(v, mx.array)]


def lazy_names(tree: Any) -> list[str]:
    """The dotted names of the arrays in a tree that are still unevaluated."""
    return [k for k, v in tree_flatten(tree) if isinstance(v, mx.array) and not is_evaluated(v)]


def probe(seed: int, hidden: int = 8, evaluated: bool = True) -> Probe:
    mx.random.seed(seed)
    model = Probe(hidden)
    if evaluated:
        mx.eval(model.parameters())
    return model


def batch(seed: int, n: int = 32) -> tuple[mx.array, mx.array]:
    x = mx.random.normal((n, 3), key=mx.random.key(seed))
    y = mx.sin(x @ mx.array([[1.0], [-2.0], [0.5]]))
    mx.eval(x, y)
    return x, y


def mse(model: nn.Module, x: mx.array, y: mx.array) -> mx.array:
    return mx.mean((model(x) - y) ** 2)


def _has_lazy_leaf(tree: Any) -> bool:
    if isinstance(tree, mx.array):
        return not is_evaluated(tree)
    if isinstance(tree, dict):
        return any(_has_lazy_leaf(v) for v in tree.values())
    if isinstance(tree, (list, tuple)):
        return any(_has_lazy_leaf(v) for v in tree)
    return False


@contextlib.contextmanager
def count_evaluations(namespace: dict[str, Any]) -> Iterator[list[str]]:
    """Note each graph evaluation started inside the block, however it is written.

    Explicit: mx.eval or mx.async_eval given at least one unevaluated array, reached through the
    mlx.core module or any name in `namespace` (the student module's globals) bound to them, such
    as `from mlx.core import eval as evaluate`. Implicit: .item(), .tolist(), float(), int(),
    bool(), print and f-strings on an unevaluated array. A call that finds everything evaluated
    computes nothing and is not counted. Yields the list that gets one entry per evaluation.
    """
    started: list[str] = []
    originals = {"eval": mx.eval, "async_eval": mx.async_eval}

    def explicit(name: str, real: Any) -> Any:
        def wrapper(*args: Any) -> Any:
            if _has_lazy_leaf(args):
                started.append(f"mx.{name}")
            return real(*args)

        return wrapper

    def implicit(name: str, real: Any) -> Any:
        def wrapper(self: mx.array, *args: Any, **kwargs: Any) -> Any:
            if not is_evaluated(self):
                started.append(IMPLICIT_EVALUATIONS[name])
            return real(self, *args, **kwargs)

        return wrapper

    wrappers = {name: explicit(name, real) for name, real in originals.items()}
    methods = {n: mx.array.__dict__[n] for n in IMPLICIT_EVALUATIONS if n in mx.array.__dict__}
    aliases = {
        key: name
        for key, value in namespace.items()
        for name, real in originals.items()
        if value is real
    }
    try:
        for name, wrapper in wrappers.items():
            setattr(mx, name, wrapper)
        for key, name in aliases.items():
            namespace[key] = wrappers[name]
        for name, real in methods.items():
            setattr(mx.array, name, implicit(name, real))
        yield started
    finally:
        for name, real in methods.items():
            setattr(mx.array, name, real)
        for key, name in aliases.items():
            namespace[key] = originals[name]
        for name, real in originals.items():
            setattr(mx, name, real)


def expect_same_weights(actual: nn.Module, expected: nn.Module, call: str) -> None:
    got, want = dict(tree_flatten(actual.parameters())), dict(tree_flatten(expected.parameters()))
    expect(
        sorted(got) == sorted(want),
        f"{call} has parameters {sorted(got)}; expected {sorted(want)}",
    )
    for name, value in want.items():
        expect_array(got[name], value, f"{call}: parameter {name}", rtol=1e-5, atol=1e-6)


def test_make_model_is_linear_relu_linear(student):
    mx.random.seed(10)
    model = student.make_model(3, 5, 2)
    call = "make_model(3, 5, 2)"
    expect(
        isinstance(model, nn.Module),
        f"{call} returned {type(model).__name__}; expected an nn.Module",
    )
    shapes = {k: tuple(v.shape) for k, v in tree_flatten(model.parameters())}
    by_shape = {shape: model_leaf for model_leaf, shape in shapes.items()}
    wanted = [(5, 3), (5,), (2, 5), (2,)]
    expect(
        sorted(shapes.values()) == sorted(wanted),
        f"{call} has parameters {shapes}; expected two nn.Linear layers, whose weights and biases "
        f"have the shapes {wanted}",
    )
    params = dict(tree_flatten(model.parameters()))
    w1, b1, w2, b2 = (params[by_shape[s]] for s in wanted)
    x = mx.random.normal((7, 3), key=mx.random.key(11))
    expected = mx.maximum(x @ w1.T + b1, 0) @ w2.T + b2
    expect_array(model(x), expected, f"{call}(x) for x of shape (7, 3)", rtol=1e-5, atol=1e-6)


def test_make_model_leaves_its_initial_weights_lazy(student):
    mx.random.seed(12)
    model = student.make_model(4, 16, 3)
    lazy = set(lazy_names(model.parameters()))
    evaluated = [k for k, _ in tree_flatten(model.parameters()) if k not in lazy]
    expect(
        len(lazy) >= 4 and not evaluated,
        f"make_model(4, 16, 3) returned a model whose parameters {evaluated} are already evaluated; "
        "nn.Linear's random weights are lazy, so a model whose weights will be loaded from a file "
        "never computes them: evaluate nothing in make_model",
    )


def test_loss_fn_is_the_mean_squared_error_and_stays_lazy(student):
    model = probe(20)
    x, y = batch(21)
    call = "loss_fn(model, x, y) for a (32, 3) batch"
    loss = student.loss_fn(model, x, y)
    expect(isinstance(loss, mx.array), f"{call} returned {type(loss).__name__}; expected mx.array")
    expect(
        not is_evaluated(loss),
        f"{call} returned an evaluated array; keep it lazy so nn.value_and_grad can trace it",
    )
    expect_array(loss, mse(model, x, y), call, rtol=1e-5, atol=1e-7)


def test_loss_fn_gives_nn_value_and_grad_the_model_gradients(student):
    model = probe(22)
    x, y = batch(23)
    value, grads = nn.value_and_grad(model, student.loss_fn)(model, x, y)
    want_value, want_grads = nn.value_and_grad(model, mse)(model, x, y)
    call = "nn.value_and_grad(model, loss_fn)(model, x, y)"
    expect_array(value, want_value, f"{call}[0]", rtol=1e-5, atol=1e-7)
    got, want = dict(tree_flatten(grads)), dict(tree_flatten(want_grads))
    expect(
        sorted(got) == sorted(want), f"{call}[1] has keys {sorted(got)}; expected {sorted(want)}"
    )
    for name in want:
        expect_array(got[name], want[name], f"{call}[1]['{name}']", rtol=1e-4, atol=1e-6)


def test_train_step_applies_the_optimizer_to_the_gradients(student):
    x, y = batch(31)
    model, reference = probe(30), probe(30)
    # SGD with momentum: its update is linear in the gradient, so a loss written another way
    # (rounding differently) moves the parameters by as little; it keeps state, so the second
    # step differs from plain gradient descent.
    optimizer = optim.SGD(learning_rate=0.1, momentum=0.9)
    ref_optimizer = optim.SGD(learning_rate=0.1, momentum=0.9)
    for step in range(2):
        call = (
            f"train_step(model, SGD(learning_rate=0.1, momentum=0.9), x, y), call {step + 1} of 2"
        )
        loss = student.train_step(model, optimizer, x, y)
        want, grads = nn.value_and_grad(reference, mse)(reference, x, y)
        ref_optimizer.update(reference, grads)
        mx.eval(want, reference.parameters(), ref_optimizer.state)
        expect_array(loss, want, f"{call} returned the loss", rtol=1e-5, atol=1e-7)
        expect_same_weights(model, reference, f"the model after {call}")
    expect(
        optimizer.step.item() == 2,
        f"after two calls of train_step(model, optimizer, x, y), optimizer.step is "
        f"{optimizer.step.item()}; expected 2: update the model through the optimizer",
    )


def test_train_step_evaluates_loss_parameters_and_optimizer_state(student):
    model = probe(32)
    x, y = batch(33)
    optimizer = optim.Adam(learning_rate=0.01)
    call = "train_step(model, Adam(learning_rate=0.01), x, y)"
    loss = student.train_step(model, optimizer, x, y)
    # Read what is evaluated before anything here looks at the values.
    lazy = {
        "the returned loss": [] if isinstance(loss, mx.array) and is_evaluated(loss) else ["loss"],
        "model.parameters()": lazy_names(model.parameters()),
        "optimizer.state": lazy_names(optimizer.state),
    }
    if not (isinstance(loss, mx.array) and loss.shape == ()):
        raise AssertionError(
            f"{call} returned {describe(loss)}; expected the loss as an mx.array of shape ()"
        )
    left = {where: names for where, names in lazy.items() if names}
    expect(
        not left,
        f"after {call} these were still unevaluated: {left}; expected everything evaluated: end "
        "the step with one mx.eval of the loss, model.parameters() and optimizer.state",
    )


def test_train_step_builds_the_whole_step_before_evaluating(student):
    model = probe(34)
    x, y = batch(35)
    optimizer = WatchedAdam(model, learning_rate=0.01)
    student.train_step(model, optimizer, x, y)
    expect(
        len(optimizer.seen) == 1,
        f"train_step(model, optimizer, x, y) applied the optimizer {len(optimizer.seen)} times; "
        "expected once",
    )
    seen = optimizer.seen[0]
    early = [
        what
        for what, key in (
            ("the forward pass", "forward_evaluated"),
            ("the gradients", "gradients_evaluated"),
        )
        if seen[key]
    ]
    expect(
        not early,
        f"when train_step(model, optimizer, x, y) called optimizer.update, {' and '.join(early)} "
        "had already been evaluated; expected nothing evaluated yet: an evaluation before the "
        "update is a second evaluation in the step. Build the update on the lazy gradients and "
        "evaluate once, after it",
    )


def test_train_step_evaluates_the_graph_once(student):
    model = probe(36)
    x, y = batch(37)
    optimizer = optim.Adam(learning_rate=0.01)
    with count_evaluations(vars(student._module)) as started:
        student.train_step(model, optimizer, x, y)
    expect(
        len(started) == 1,
        f"train_step(model, optimizer, x, y) started {len(started)} graph evaluations "
        f"({', '.join(started) or 'none'}); expected exactly one: mx.eval(loss, "
        "model.parameters(), optimizer.state) after the update",
    )


def test_train_lowers_the_loss_and_changes_every_parameter(student):
    model = probe(40)
    x, y = batch(41, n=64)
    before = dict(tree_flatten(model.parameters()))
    optimizer = optim.Adam(learning_rate=0.05)
    passed = []
    call = "train(model, Adam(learning_rate=0.05), x, y, steps=30, on_step=f)"
    losses = student.train(model, optimizer, x, y, 30, on_step=lambda s, loss: passed.append(loss))
    if not (
        isinstance(losses, list) and len(losses) == 30 and all(type(v) is float for v in losses)
    ):
        raise AssertionError(
            f"{call} returned {describe(losses)}; expected a list of 30 Python floats"
        )
    from_steps = [v.item() for v in passed]
    expect(
        len(from_steps) == 30
        and all(
            abs(a - b) <= 1e-6 * max(1.0, abs(b)) for a, b in zip(losses, from_steps, strict=False)
        ),
        f"{call} returned losses {losses[:3]}...; on_step was given {len(from_steps)} losses "
        f"{from_steps[:3]}...; expected the same 30 values",
    )
    expect(
        losses[-1] < 0.5 * losses[0],
        f"{call} returned losses from {losses[0]:.4f} to {losses[-1]:.4f}; expected the last below "
        "half the first: the model must learn",
    )
    unchanged = [
        name
        for name, value in tree_flatten(model.parameters())
        if mx.array_equal(value, before[name]).item()
    ]
    expect(
        not unchanged,
        f"after {call}, the parameters {unchanged} never changed; expected every parameter updated",
    )
    expect(
        optimizer.step.item() == 30,
        f"after {call}, optimizer.step is {optimizer.step.item()}; expected 30, one update per step",
    )


def test_train_graph_does_not_grow_from_step_to_step(student):
    model = probe(42)
    x, y = batch(43)
    optimizer = WatchedAdam(model, learning_rate=0.01)
    pending = []

    def on_step(step: int, loss: mx.array) -> None:
        pending.append(len(graph_primitives(loss, *leaves((model.parameters(), optimizer.state)))))

    student.train(model, optimizer, x, y, 6, on_step=on_step)
    sizes = [seen["update_graph"] for seen in optimizer.seen]
    call = "train(model, optimizer, x, y, steps=6, on_step=f)"
    expect(len(pending) == 6, f"{call} called on_step {len(pending)} times; expected 6")
    expect(
        len(sizes) == 6 and max(sizes[1:]) <= sizes[1],
        f"{call}: operations in the graph of each update (parameters and optimizer state), step by "
        f"step: {sizes}; expected the same number at every step after the first, not more and more",
    )
    expect(
        max(pending) == 0,
        f"{call}: operations still pending in the loss, parameters and optimizer state when "
        f"on_step was called, step by step: {pending}; expected 0 each time: evaluate them all in "
        "the step, before on_step",
    )


def test_train_evaluates_once_per_step(student):
    model = probe(44)
    x, y = batch(45)
    optimizer = optim.Adam(learning_rate=0.01)
    marks = []
    with count_evaluations(vars(student._module)) as started:
        student.train(model, optimizer, x, y, 4, on_step=lambda s, loss: marks.append(len(started)))
        total = len(started)
    per_step = [b - a for a, b in zip([0, *marks], marks, strict=False)]
    call = "train(model, optimizer, x, y, steps=4, on_step=f)"
    expect(
        per_step == [1, 1, 1, 1] and total == 4,
        f"{call} started these graph evaluations per step: {per_step} ({total} in all: "
        f"{', '.join(started) or 'none'}); expected [1, 1, 1, 1]: one mx.eval per step that "
        "includes the loss, so reading it as a float computes nothing more",
    )


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_save_model_writes_the_format_its_extension_names(student, tmp_path):
    model = probe(50)
    names = sorted(k for k, _ in tree_flatten(model.parameters()))
    for name, as_str, magic in (
        ("weights.safetensors", False, "safetensors"),
        ("weights.npz", True, "npz"),
    ):
        folder = tmp_path / magic
        folder.mkdir()
        path = folder / name
        call = (
            f"save_model(model, {str(path)!r})" if as_str else f"save_model(model, Path('{name}'))"
        )
        student.save_model(model, str(path) if as_str else path)
        expect(
            files_in(folder) == [name],
            f"{call} left {files_in(folder)} in its folder; expected exactly [{name!r}]",
        )
        head = path.read_bytes()[:16]
        is_format = (
            head[:2] == b"PK"
            if magic == "npz"
            else len(head) > 8 and head[8:9] == b"{"  # an 8-byte header length, then JSON
        )
        expect(
            is_format,
            f"{call} wrote a file that starts with {head!r}; expected a {magic} file",
        )
        loaded = mx.load(str(path))
        expect(
            sorted(loaded) == names,
            f"{call} wrote the arrays {sorted(loaded)}; expected the model's parameters {names}",
        )
        for key, value in tree_flatten(model.parameters()):
            expect_array(loaded[key], value, f"{call}, then mx.load: {key}")


def test_save_model_refuses_other_extensions(student, tmp_path):
    model = probe(51)
    for name in ("weights.npy", "weights.pt", "weights"):
        call = f"save_model(model, '{name}')"
        try:
            student.save_model(model, str(tmp_path / name))
        except ValueError:
            pass
        else:
            raise AssertionError(
                f"{call} returned; expected ValueError: only .safetensors and .npz hold weights "
                "that load_into can read"
            )
        expect(
            not files_in(tmp_path),
            f"{call} raised ValueError but left {files_in(tmp_path)} behind; expected no file",
        )


def test_load_into_stays_lazy_and_reads_the_saved_values(student, tmp_path):
    source = probe(60)
    for name in ("saved.safetensors", "saved.npz"):
        path = tmp_path / name
        source.save_weights(str(path))
        fresh = probe(61, evaluated=False)
        initial = leaves(fresh.parameters())
        call = f"load_into(model, {str(path.name)!r}) on a freshly built model"
        result = student.load_into(fresh, str(path) if name.endswith("npz") else path)
        expect(
            result is fresh,
            f"{call} returned {type(result).__name__}; expected the model it was given",
        )
        evaluated = [k for k, v in tree_flatten(fresh.parameters()) if is_evaluated(v)]
        expect(
            not evaluated,
            f"right after {call}, the parameters {evaluated} were already evaluated; expected all "
            "of them unevaluated: loading only reads the header, the data is read when first used",
        )
        expect(
            not any(is_evaluated(v) for v in initial),
            f"{call} computed the model's random initial weights; expected them never computed: "
            "load the weights over the lazy ones without evaluating first",
        )
        mx.eval(fresh.parameters())
        expect_same_weights(fresh, source, f"the model after {call} and mx.eval")


def test_load_into_refuses_weights_of_another_shape(student, tmp_path):
    path = tmp_path / "wide.safetensors"
    probe(62, hidden=8).save_weights(str(path))
    narrow = probe(63, hidden=4, evaluated=False)
    call = "load_into(model, 'wide.safetensors') for weights with 8 hidden units, a model with 4"
    try:
        student.load_into(narrow, path)
    except ValueError:
        return
    shapes = {k: tuple(v.shape) for k, v in tree_flatten(narrow.parameters())}
    raise AssertionError(
        f"{call} returned, leaving the model with parameter shapes {shapes}; expected ValueError: "
        "the file's shapes do not match the model's"
    )
