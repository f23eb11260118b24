"""Sources for the similarity tests and bench: a copy disguised as a student would disguise it
(every local name renamed, comments added, docstrings dropped, the layout redone), and honest
programs that differ from each other as much as a class's would.

`disguise` rewrites through `ast`, so its output is valid Python that behaves as the original
does: the public functions keep their names (the checks call them), everything the student
chose is renamed, and the layout is `ast.unparse`'s (long lines, no trailing commas, tuples in
parentheses) with simple statements joined by `;` here and there, where the original is
formatted by ruff (black's style).
"""

from __future__ import annotations

import ast
import random

MX_CALLS = (
    "add", "subtract", "multiply", "divide", "matmul", "exp", "log", "sum", "mean", "max",
    "min", "abs", "sqrt", "square", "tanh", "sigmoid", "maximum", "minimum", "where", "take",
    "reshape", "transpose", "concatenate", "stack", "expand_dims", "squeeze", "cumsum", "sort",
    "argmax", "argmin", "clip", "zeros_like", "ones_like", "array", "arange", "eval",
)  # fmt: skip
OPERATORS = ("+", "-", "*", "/", "@", "//", "%", "**")
COMPARISONS = ("<", ">", "==", "!=", "<=", ">=")


def _assigned(tree: ast.AST) -> set[str]:
    """The names a module chooses: parameters, locals, private helpers, module constants."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args
            names.update(a.arg for a in args.posonlyargs + args.args + args.kwonlyargs)
            names.update(a.arg for a in (args.vararg, args.kwarg) if a is not None)
            if node.name.startswith("_"):
                names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


class _Renamer(ast.NodeTransformer):
    def __init__(self, mapping: dict[str, str]) -> None:
        self.mapping = mapping

    def visit_Name(self, node: ast.Name) -> ast.Name:
        node.id = self.mapping.get(node.id, node.id)
        return node

    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.arg = self.mapping.get(node.arg, node.arg)
        self.generic_visit(node)
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        node.name = self.mapping.get(node.name, node.name)
        self.generic_visit(node)
        return node


def _drop_docstrings(tree: ast.AST) -> None:
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                if isinstance(first.value.value, str):
                    node.body = node.body[1:] or [ast.Pass()]


def rename(source: str, seed: int) -> str:
    """`source` with every name it chose renamed at random, laid out by `ast.unparse`."""
    rng = random.Random(seed)
    tree = ast.parse(source)
    prefixes = ("v", "tmp", "my", "q", "zz", "value", "thing")
    mapping = {
        name: f"{rng.choice(prefixes)}_{rng.randrange(10**6)}" for name in sorted(_assigned(tree))
    }
    return ast.unparse(_Renamer(mapping).visit(tree)) + "\n"


def disguise(source: str, seed: int) -> str:
    """`source` renamed (see `rename`), without docstrings, with comments added and some simple
    statements joined on one line by `;`: what a copier does to hide a copy."""
    rng = random.Random(seed)
    tree = ast.parse(rename(source, seed))
    _drop_docstrings(tree)
    out: list[str] = []
    for line in ast.unparse(tree).splitlines():
        indent = line[: len(line) - len(line.lstrip())]
        if rng.random() < 0.3:
            out.append(f"{indent}# step {rng.randrange(1000)}: my own approach")
        previous = out[-1] if out else ""
        joinable = (
            bool(out)
            and previous.startswith(indent)
            and not previous[len(indent) : len(indent) + 1].isspace()
            and not previous.rstrip().endswith(":")
            and not previous.lstrip().startswith(("#", "@"))
            and not line.rstrip().endswith(":")
            and not line.lstrip().startswith(("@", "else", "elif", "except", "finally"))
        )
        if joinable and rng.random() < 0.5:
            out[-1] = f"{previous}; {line.lstrip()}"
        else:
            out.append(line)
    text = "\n".join(out) + "\n"
    compile(text, "<disguised>", "exec")  # still a valid module
    return text


def _expression(rng: random.Random, names: list[str], depth: int = 0) -> str:
    roll = rng.random()
    if depth >= 2 or roll < 0.3:
        return rng.choice(names) if rng.random() < 0.7 else str(rng.randrange(1, 100))
    if roll < 0.7:
        args = ", ".join(_expression(rng, names, depth + 1) for _ in range(rng.randrange(1, 4)))
        keyword = f", axis={rng.randrange(-1, 3)}" if rng.random() < 0.2 else ""
        return f"mx.{rng.choice(MX_CALLS)}({args}{keyword})"
    left, right = (_expression(rng, names, depth + 1) for _ in range(2))
    return f"({left} {rng.choice(OPERATORS)} {right})"


def _statements(rng: random.Random, names: list[str], indent: str, count: int) -> list[str]:
    lines: list[str] = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.6:
            target = f"t{rng.randrange(100)}"
            lines.append(f"{indent}{target} = {_expression(rng, names)}")
            names.append(target)
        elif roll < 0.75:
            lines.append(
                f"{indent}if {rng.choice(names)} {rng.choice(COMPARISONS)} {rng.randrange(10)}:"
            )
            lines.extend(_statements(rng, list(names), indent + "    ", rng.randrange(1, 3)))
        elif roll < 0.9:
            lines.append(f"{indent}for i{len(lines)} in range({rng.randrange(2, 9)}):")
            lines.extend(_statements(rng, list(names), indent + "    ", rng.randrange(1, 3)))
        else:
            lines.append(f"{indent}{rng.choice(names)} {rng.choice(OPERATORS)}= {rng.randrange(9)}")
    return lines


def honest_program(seed: int, functions: int = 4, statements: int = 8) -> str:
    """A random valid module using MLX calls: `functions` functions of about `statements`
    statements each. Two seeds give programs no more alike than two students' are."""
    rng = random.Random(seed)
    lines = ["import mlx.core as mx", ""]
    for number in range(functions):
        params = ["a", "b", "c"][: rng.randrange(1, 4)]
        lines.append(f"def f{number}({', '.join(params)}):")
        lines.extend(_statements(rng, list(params), "    ", statements))
        lines.append(f"    return {rng.choice(params)}")
        lines.append("")
    return "\n".join(lines) + "\n"
