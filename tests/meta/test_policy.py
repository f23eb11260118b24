"""The submission policy: every honest file passes, every evasion is refused with its rule.

Pure syntax-tree work: nothing here imports or runs student code, so the whole file runs in a
few seconds.
"""

from __future__ import annotations

import copy
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT, run_grade
from wrong_answers import compose

from grader.errors import CourseError
from grader.manifest import load_course, tomllib
from grader.policy import Policy, Violation, load_policy

COURSE = load_course(ROOT)
POLICY = load_policy(ROOT)
MANIFEST = tomllib.loads((ROOT / "course.toml").read_text(encoding="utf-8"))
IDS = {ex.id for ex in COURSE.exercises}


def _course_files() -> list[tuple[str, str, str]]:
    """(exercise id, how the harness uses the file, path) for every file that must pass."""
    files = []
    for ex in COURSE.exercises:
        for folder in ("solutions", "exercises"):
            path = ROOT / folder / ex.file
            if path.is_file():
                files.append((ex.id, "as is", str(path)))
        for kind in ("wrong", "right"):
            for path in sorted((ROOT / "tests" / "meta" / kind / ex.id).glob("*.py")):
                files.append((ex.id, "appended to its solution", str(path)))
    return files


COURSE_FILES = _course_files()


def _rules(source: str, exercise_id: str = "lazy_evaluation") -> set[str]:
    return {v.rule for v in POLICY.check(textwrap.dedent(source), "submitted.py", exercise_id)}


@pytest.mark.parametrize(
    ("exercise_id", "use", "path"),
    COURSE_FILES,
    ids=[f"{ident}/{Path(p).parent.name}/{Path(p).name}" for ident, _, p in COURSE_FILES],
)
def test_course_files_pass_the_policy(exercise_id, use, path):
    path = Path(path)
    file = next(ex.file for ex in COURSE.exercises if ex.id == exercise_id)
    if use == "as is":
        source = path.read_text(encoding="utf-8")
    else:
        # tests/meta/wrong_answers.py appends a wrong answer to the reference solution.
        source = compose(ROOT / "solutions" / file, path)
    violations = POLICY.check(source, str(path.relative_to(ROOT)), exercise_id)
    assert violations == [], "\n".join(v.describe() for v in violations)


def test_every_exercise_and_its_files_are_covered():
    assert {ident for ident, _, _ in COURSE_FILES} == IDS
    assert sum(1 for _, use, _ in COURSE_FILES if use != "as is") >= 3 * len(IDS)


# (exercise, snippet, the rule that must refuse it). The snippets assume the course's usual
# `import mlx.core as mx` / `import numpy as np` where they name mx or np.
EVASIONS = [
    # reflection and the interpreter's internals
    ("lazy_evaluation", "import sys", "forbidden-module"),
    ("lazy_evaluation", "import inspect", "forbidden-module"),
    ("lazy_evaluation", "import gc", "forbidden-module"),
    ("lazy_evaluation", "import ctypes", "forbidden-module"),
    ("lazy_evaluation", "import builtins", "forbidden-module"),
    ("lazy_evaluation", "import importlib.util", "forbidden-module"),
    ("lazy_evaluation", "from importlib import import_module", "forbidden-module"),
    ("lazy_evaluation", "import traceback", "forbidden-module"),
    ("lazy_evaluation", "import subprocess", "forbidden-module"),
    ("lazy_evaluation", "import signal", "forbidden-module"),
    ("lazy_evaluation", "import socket", "forbidden-module"),
    ("lazy_evaluation", "import multiprocessing", "forbidden-module"),
    ("lazy_evaluation", "import threading", "forbidden-module"),
    ("lazy_evaluation", "import pytest", "forbidden-module"),
    ("lazy_evaluation", "from grader import checks", "forbidden-module"),
    ("lazy_evaluation", "import os.path", "forbidden-module"),
    ("lazy_evaluation", "import requests", "import"),
    ("lazy_evaluation", "import mlx.core\nmlx.nn.Linear", "import"),
    # imports anywhere, in any form
    ("lazy_evaluation", "def f():\n    import os\n    return os.system", "forbidden-module"),
    ("lazy_evaluation", "class A:\n    import sys", "forbidden-module"),
    (
        "lazy_evaluation",
        "try:\n    import socket\nexcept ImportError:\n    pass",
        "forbidden-module",
    ),
    ("lazy_evaluation", "from mlx.core import *", "star-import"),
    ("lazy_evaluation", "from . import solutions", "relative-import"),
    ("lazy_evaluation", "from .. import grader", "relative-import"),
    ("lazy_evaluation", "import numpy as np\nnp._core", "private-attribute"),
    ("lazy_evaluation", "from numpy import _core", "private-attribute"),
    ("lazy_evaluation", "def f(on_step):\n    on_step._calls.clear()", "private-attribute"),
    ("lazy_evaluation", "import mlx.core as mx\nmx.zeros(1)._x", "private-attribute"),
    (
        "lazy_evaluation",
        "class A:\n    def m(self, other):\n        return other._secret",
        "private-attribute",
    ),
    ("training_loop", "open('solutions/10_training_loop.py').read()", "forbidden-name"),
    ("training_loop", "open('x', 'r+b')", "forbidden-name"),
    ("training_loop", "mode = 'wb'\nopen('x', mode)", "forbidden-name"),
    ("training_loop", "o = open\no('x')", "forbidden-name"),
    # builtins that run or reach code
    ("lazy_evaluation", "eval('1 + 1')", "forbidden-name"),
    ("lazy_evaluation", "exec('x = 1')", "forbidden-name"),
    ("lazy_evaluation", "compile('1', 'f', 'eval')", "forbidden-name"),
    ("lazy_evaluation", "globals()['mx']", "forbidden-name"),
    ("lazy_evaluation", "locals()", "forbidden-name"),
    ("lazy_evaluation", "import mlx.core as mx\nvars(mx)", "forbidden-name"),
    ("lazy_evaluation", "breakpoint()", "forbidden-name"),
    ("lazy_evaluation", "open('solutions/01_lazy_evaluation.py').read()", "forbidden-name"),
    ("lazy_evaluation", "ｅｖａｌ('1')", "forbidden-name"),  # NFKC: the parser reads `eval`
    ("lazy_evaluation", "run = exec\nrun('x = 1')", "forbidden-name"),
    ("lazy_evaluation", "f = lambda code=exec: code", "forbidden-name"),
    ("lazy_evaluation", "@eval\ndef f():\n    pass", "forbidden-name"),
    ("lazy_evaluation", "__import__('os')", "dunder"),
    ("lazy_evaluation", "__builtins__['eval']('1')", "dunder"),
    ("lazy_evaluation", "__loader__.get_data(__file__)", "dunder"),
    # dunders: attributes, strings, keywords, patterns
    ("lazy_evaluation", "x = 1\nx.__class__.__mro__", "dunder"),
    ("lazy_evaluation", "().__class__.__bases__[0].__subclasses__()", "dunder"),
    ("lazy_evaluation", "object.__subclasses__()", "dunder"),
    ("lazy_evaluation", "def f():\n    pass\nf.__globals__['mx']", "dunder"),
    ("lazy_evaluation", "print.__self__", "dunder"),
    ("lazy_evaluation", "def f():\n    pass\nf.__code__", "dunder"),
    ("lazy_evaluation", "class A:\n    pass\nA.__dict__", "dunder"),
    ("lazy_evaluation", "try:\n    1 / 0\nexcept Exception as e:\n    e.__traceback__", "dunder"),
    ("lazy_evaluation", "names = ['__globals__']", "dunder"),
    ("lazy_evaluation", "getattr(print, '__self__')", "dunder"),
    ("lazy_evaluation", "dict(__class__=1)", "dunder"),
    ("lazy_evaluation", "class A:\n    def __getattribute__(self, n):\n        pass", "dunder"),
    ("lazy_evaluation", "class A:\n    def __del__(self):\n        pass", "dunder"),
    ("lazy_evaluation", "match 1:\n    case object(__class__=c):\n        pass", "dunder"),
    ("lazy_evaluation", "def f(x: \"eval('1')\"):\n    pass", "forbidden-name"),
    ("lazy_evaluation", "def f(x: \"'eval(1)'\"):\n    pass", "forbidden-name"),
    # attributes looked up by computed names
    ("lazy_evaluation", "import mlx.core as mx\ngetattr(mx, 'ev' + 'al')", "dynamic-attribute"),
    ("lazy_evaluation", "x = 1\nname = 'real'\ngetattr(x, name)", "dynamic-attribute"),
    ("lazy_evaluation", "x = 1\nhasattr(x, *['real'])", "dynamic-attribute"),
    ("lazy_evaluation", "g = getattr\ng(1, 'real')", "dynamic-attribute"),
    ("lazy_evaluation", "import functools\nfunctools.partial(setattr, 1)", "dynamic-attribute"),
    ("lazy_evaluation", "'{0.__class__}'.format(1)", "format-string"),
    ("lazy_evaluation", "'{0._private}'.format(1)", "format-string"),
    ("lazy_evaluation", "'{0[_x]}'.format({})", "format-string"),
    ("lazy_evaluation", "fmt = '{0.real}'\nfmt.format(1)", "format-string"),
    ("lazy_evaluation", "('{0.__cl' + 'ass__}').format(1)", "format-string"),
    ("lazy_evaluation", "str.format('{0}', 1)", "format-string"),
    ("lazy_evaluation", "type('X', (), {})", "type-call"),
    ("lazy_evaluation", "t = type\nt(1)", "type-call"),
    ("lazy_evaluation", "import operator\noperator.attrgetter('real')", "forbidden-module"),
    ("lazy_evaluation", "import typing\ntyping.get_type_hints(print)", "forbidden-module"),
    # frames, tracebacks and modules reached through other modules
    (
        "lazy_evaluation",
        "def g():\n    yield 1\ng().gi_frame.f_back.f_globals",
        "forbidden-attribute",
    ),
    ("lazy_evaluation", "import typing\ntyping.sys.modules", "forbidden-attribute"),
    ("lazy_evaluation", "import dataclasses\ndataclasses.inspect", "forbidden-attribute"),
    ("lazy_evaluation", "import collections\ncollections.types", "forbidden-attribute"),
    ("lazy_evaluation", "x = 1\ntype(x).mro()", "forbidden-attribute"),
    ("lazy_evaluation", "import numpy as np\nnp.zeros(3).ctypes.data", "forbidden-attribute"),
    ("lazy_evaluation", "import numpy as np\nnp.zeros(3).tofile('x.bin')", "forbidden-attribute"),
    ("saving_loading", "import os\nos.path.os.system('id')", "forbidden-attribute"),
    ("lazy_evaluation", "import numpy as np\nnp.test()", "forbidden-attribute"),  # runs pytest
    ("saving_loading", "from pathlib import Path\nPath('x').read_text()", "forbidden-attribute"),
    # forbidden corners of allowed modules, through aliases and chains
    ("lazy_evaluation", "import numpy as n\nf = n.ctypeslib", "forbidden-module"),
    ("lazy_evaluation", "from numpy import ctypeslib", "forbidden-module"),
    ("lazy_evaluation", "import numpy.ctypeslib as c", "forbidden-module"),
    ("lazy_evaluation", "import numpy as np\nnp.lib.format.open_memmap('x')", "forbidden-module"),
    (
        "lazy_evaluation",
        "import numpy as np\nnp.load('x.npy', allow_pickle=True)",
        "forbidden-module",
    ),
    ("lazy_evaluation", "import numpy as np\nnp.rec.fromfile('x')", "forbidden-module"),
    ("lazy_evaluation", "import mlx.core as mx\nmx.save('x', mx.zeros(1))", "forbidden-module"),
    ("lazy_evaluation", "from mlx.core import load", "forbidden-module"),
    ("lazy_evaluation", "from concurrent.futures import ProcessPoolExecutor", "forbidden-module"),
    (
        "lazy_evaluation",
        "import concurrent.futures as cf\ncf.ProcessPoolExecutor",
        "forbidden-module",
    ),
    ("saving_loading", "import os\nos.system('id')", "forbidden-module"),
    ("saving_loading", "from os import system", "forbidden-module"),
    (
        "saving_loading",
        "import numpy as np\nnp.load('x.npy', allow_pickle=True)",
        "forbidden-module",
    ),
    ("other_frameworks", "import torch\ntorch.load('x.pt')", "forbidden-module"),
    ("other_frameworks", "import torch.utils.cpp_extension", "forbidden-module"),
    ("other_frameworks", "from torch import utils\nutils.cpp_extension", "forbidden-module"),
    ("other_frameworks", "import tensorflow as tf\ntf.io.read_file('x')", "forbidden-module"),
    ("other_frameworks", "import tensorflow as tf\ntf.compat.v1", "forbidden-module"),
    # a package reached through another module's reference to it
    ("other_frameworks", "import torch\ntorch.utils.dlpack.torch.load('x.pt')", "forbidden-module"),
    (
        "other_frameworks",
        "import torch\nd = torch.utils.dlpack\nd.torch.load('x.pt')",
        "forbidden-module",
    ),
    ("lazy_evaluation", "import numpy as np\nnp.random.mtrand.np.load('x')", "forbidden-module"),
    ("training_loop", "import mlx.nn as nn\nnn.layers.base.mx.save('x', 1)", "forbidden-module"),
    ("lazy_evaluation", "import mlx.core as mx\nmx.random.torch", "import"),
    # modules handed around as values lose track of what is reached through them
    ("lazy_evaluation", "import numpy as np\nxs = [np]", "module-as-value"),
    (
        "lazy_evaluation",
        "import numpy as np\ndef f(m=np):\n    return m.ctypeslib",
        "module-as-value",
    ),
    ("lazy_evaluation", "import mlx.core as mx\nm = mx\nm.save('x', 1)", "module-as-value"),
    ("other_frameworks", "import torch\nu = torch.utils\nu.cpp_extension", "module-as-value"),
    # monkeypatching what the checks observe, directly and through aliases
    ("lazy_evaluation", "import mlx.core as mx\nmx.eval = print", "monkeypatch"),
    ("lazy_evaluation", "import mlx.core as m\nm.get_array_buffer_size = len", "monkeypatch"),
    ("lazy_evaluation", "from mlx import core\ncore.eval = print", "monkeypatch"),
    ("lazy_evaluation", "from mlx.core import random\nrandom.normal = print", "monkeypatch"),
    ("lazy_evaluation", "import mlx.core as mx\nsetattr(mx, 'eval', print)", "monkeypatch"),
    ("lazy_evaluation", "import mlx.core as mx\ndel mx.eval", "monkeypatch"),
    ("lazy_evaluation", "import mlx.core as mx\nmx.eval += 1", "monkeypatch"),
    ("lazy_evaluation", "import numpy as np\nnp.random.seed = print", "monkeypatch"),
    ("lazy_evaluation", "import mlx.core as mx\nmx.random.state[0] = 1", "monkeypatch"),
    ("lazy_evaluation", "import mlx.core as mx\nr = mx.random\nr.normal = print", "monkeypatch"),
    (
        "lazy_evaluation",
        "import mlx.core as mx\nr, k = mx.random, 1\nr.normal = print",
        "monkeypatch",
    ),
    ("lazy_evaluation", "import mlx.core as mx\n(r := mx.random).normal = print", "monkeypatch"),
    (
        "lazy_evaluation",
        "import mlx.core as mx\nbox = [mx.random]\nbox[0].normal = print",
        "monkeypatch",
    ),
    (
        "lazy_evaluation",
        "import mlx.core as mx\nd = {}\nd['r'] = mx.random\nd['r'].normal = print",
        "monkeypatch",
    ),
    (
        "lazy_evaluation",
        "import mlx.core as mx\nbox = []\nbox.append(mx.random)\nbox[0].normal = print",
        "monkeypatch",
    ),
    (
        "lazy_evaluation",
        "import mlx.core as mx\nfor r in (mx.random,):\n    r.normal = print",
        "monkeypatch",
    ),
    (
        "lazy_evaluation",
        "import mlx.core as mx\ndef get():\n    return mx.random\nm = get()\nm.normal = print",
        "monkeypatch",
    ),
    (
        "lazy_evaluation",
        "import mlx.core as mx\ndef patch(m):\n    m.normal = print\npatch(mx.random)",
        "monkeypatch",
    ),
    (
        "lazy_evaluation",
        "import mlx.core as mx\nf = lambda m=mx.random: m\nf().normal = print",
        "monkeypatch",
    ),
    (
        "lazy_evaluation",
        "import mlx.core as mx\nclass C:\n    r = mx.random\nC.r.normal = print",
        "monkeypatch",
    ),
    (
        "lazy_evaluation",
        "import mlx.core as mx\nclass Box:\n    def __init__(self, m):\n        self.m = m\n"
        "b = Box(None)\nb.m = mx.random\nb.m.normal = print",
        "monkeypatch",
    ),
    (
        "lazy_evaluation",
        "import mlx.core as mx\nclass Box:\n    def __init__(self, m):\n        self.m = m\n"
        "def build():\n    return Box(mx.random)\nbuild().m.normal = print",
        "monkeypatch",
    ),
    (
        "lazy_evaluation",
        "class A:\n    import mlx.core as m\nA.m.eval = print",
        "monkeypatch",
    ),
    (
        "lazy_evaluation",
        "import mlx.core as mx\ntry:\n    raise ValueError(mx.random)\n"
        "except ValueError as e:\n    e.args[0].normal = print",
        "monkeypatch",
    ),
    (
        "lazy_evaluation",
        "import mlx.core as mx\ndef outer():\n    r = None\n    def grab():\n"
        "        nonlocal r\n        r = mx.random\n    grab()\n    r.normal = print",
        "monkeypatch",
    ),
    (
        "lazy_evaluation",
        "import mlx.core as mx\nclass H:\n    pass\nh = H()\nsetattr(h, 'm', mx.random)\n"
        "h.m.normal = print",
        "monkeypatch",
    ),
    (
        "lazy_evaluation",
        "import mlx.core as mx\nclass Box:\n    kept = []\n    def __init__(self, m):\n"
        "        Box.kept.append(m)\nBox(mx.random)\nBox.kept[0].normal = print",
        "monkeypatch",
    ),
    (
        "lazy_evaluation",
        "import mlx.core as mx\nlist(map(lambda m: setattr(m, 'normal', print), [mx.random]))",
        "monkeypatch",
    ),
    (
        "lazy_evaluation",
        "import mlx.core as mx\ndef g():\n    m = yield\n    m.normal = print\n    yield\n"
        "it = g()\nnext(it)\nit.send(mx.random)",
        "monkeypatch",
    ),
    (
        "lazy_evaluation",
        # an alias chain set up by functions defined in reverse order: one link per round
        "import mlx.core as mx\n"
        + "".join(f"def f{i}():\n    global x{i}\n    x{i} = x{i - 1}\n" for i in range(60, 0, -1))
        + "x0 = mx.random\n"
        + "".join(f"f{i}()\n" for i in range(1, 61))
        + "x60.normal = print",
        "monkeypatch",
    ),
    (
        "streams",
        "from concurrent.futures import ThreadPoolExecutor\n"
        "F = type(ThreadPoolExecutor(1).submit(print))\nF.result = print",
        "monkeypatch",
    ),
    ("lazy_evaluation", "import numpy as np\nT = np.ndarray\nT.sum = len", "monkeypatch"),
    # functions the checks watch, kept where the watch cannot see them
    ("lazy_evaluation", "import mlx.core as mx\n_evaluate = mx.eval", "call-only"),
    ("lazy_evaluation", "import mlx.core as mx\nbox = [mx.async_eval]", "call-only"),
    ("lazy_evaluation", "import mlx.core as mx\ndef f(ev=mx.eval):\n    pass", "call-only"),
    ("lazy_evaluation", "import mlx.core as mx\nf = mx.eval.__call__", "call-only"),
    ("lazy_evaluation", "from mlx.core import eval as ev\nkeep = ev", "call-only"),
    ("lazy_evaluation", "class K:\n    from mlx.core import eval as ev\nK.ev(1)", "call-only"),
    (
        "numpy_interop",
        "import mlx.core as mx\nimport functools\nfunctools.partial(mx.value_and_grad)",
        "call-only",
    ),
    # a NUL cuts off the extension that MLX's native writers append
    (
        "saving_loading",
        "import mlx.core as mx\nmx.save('site.pth\\0', mx.zeros(1))",
        "nul-character",
    ),
    # a file Python decodes differently from what the check reads
    ("lazy_evaluation", "\ufeffimport sys", "forbidden-module"),  # a UTF-8 BOM
    ("lazy_evaluation", "# coding: utf-7\nx = 1 #+AAo-import sys", "source-encoding"),
    # Round two (issue 14): helpers that read or write attributes by names given at run time,
    # str.format taken as a value, and a module reached through a literal getattr or a scope.
    (
        "inplace_updates",
        "import functools\ndef f(a, b, n):\n    functools.update_wrapper(a, b, (), (n,))",
        "attribute-copy",
    ),
    (
        "inplace_updates",
        "import functools\ndef f(a, b, n):\n    functools.update_wrapper(a, b, updated=(n,))",
        "attribute-copy",
    ),
    (
        "inplace_updates",
        "from functools import wraps\ndef f(g, n):\n    return wraps(g, assigned=(n,))",
        "attribute-copy",
    ),
    (
        "inplace_updates",
        "import functools\ndef f(g, n):\n    return functools.wraps(g, **n)",
        "attribute-copy",
    ),
    ("inplace_updates", "import functools\nhelper = functools.update_wrapper", "call-only"),
    (
        "inplace_updates",
        "import functools\ndef f(*a):\n    return list(map(functools.update_wrapper, *a))",
        "call-only",
    ),
    (
        "inplace_updates",
        "def f(t, o):\n    render = str.format\n    return render(t, o)",
        "format-string",
    ),
    ("inplace_updates", "def f(ts, o):\n    return list(map(str.format, ts, o))", "format-string"),
    ("inplace_updates", "def f(o):\n    return list(map('{0}'.format_map, o))", "format-string"),
    ("inplace_updates", "def f(t, o):\n    return t.format(o)", "format-string"),
    (
        "other_frameworks",
        "import numpy as np\ndef f(p):\n    return getattr(np, 'load')(p)",
        "forbidden-module",
    ),
    (
        "lazy_evaluation",
        "import mlx.core as mx\ndef f():\n    m = getattr(mx, 'metal')\n    return m",
        "module-as-value",
    ),
    (
        "lazy_evaluation",
        "import mlx.core as mx\ndef f():\n    return getattr(mx, 'sys', None)",
        "forbidden-attribute",
    ),
    (
        "inplace_updates",
        "import copy\ndef f():\n    return [copy for copy in [copy]]",
        "module-as-value",
    ),
    (
        "other_frameworks",
        "import numpy as np\ndef f(p, np=np):\n    return np.load(p)",
        "module-as-value",
    ),
    (
        "inplace_updates",
        "import copy\ndef f():\n    global copy\n    copy = 1\n    return [copy]",
        "module-as-value",
    ),
    (
        "lazy_evaluation",
        "import warnings\ndef f(g):\n    warnings.warn_explicit('x', UserWarning, 'f', 1, module_globals=g)",
        "forbidden-module",
    ),
]


@pytest.mark.parametrize(
    ("exercise_id", "snippet", "rule"),
    EVASIONS,
    ids=[f"{rule}:{snippet.splitlines()[-1][:40]}" for _, snippet, rule in EVASIONS],
)
def test_evasions_are_refused_with_their_rule(exercise_id, snippet, rule):
    found = POLICY.check(snippet, "submitted.py", exercise_id)
    assert rule in {v.rule for v in found}, (
        f"{snippet!r} in {exercise_id}: expected rule {rule}, got "
        + ("; ".join(v.describe() for v in found) or "no violation")
    )


def test_there_are_plenty_of_evasions():
    assert len(EVASIONS) >= 30
    assert len({rule for _, _, rule in EVASIONS}) >= 12


@pytest.mark.parametrize(
    "module",
    [
        "sys", "inspect", "gc", "ctypes", "importlib", "builtins", "traceback", "types",
        "subprocess", "signal", "socket", "multiprocessing", "os", "shutil", "pickle", "marshal",
    ],
)  # fmt: skip
def test_issue_modules_are_refused_in_every_exercise(module):
    for ex in COURSE.exercises:
        # saving_loading may `import os` for os.path and os.fspath, but nothing else of it
        for source in (
            f"import {module}\n{module}.x",
            f"from {module} import x",
            f"import {module} as m\nm.x",
        ):
            assert _rules(source, ex.id), f"{source!r} passes in {ex.id}"


@pytest.mark.parametrize(
    ("source", "rule"),
    [
        *((f"{name}", "forbidden-name") for name in (
            "exec", "eval", "compile", "globals", "locals", "vars", "breakpoint", "open",
        )),
        *((f"x = 1\nx.{name}", "dunder") for name in (
            "__class__", "__subclasses__", "__globals__", "__code__", "__builtins__", "__dict__",
        )),
        ("__import__", "dunder"),
    ],
)  # fmt: skip
def test_issue_constructs_are_refused_in_every_exercise_that_does_not_need_them(source, rule):
    for ex in COURSE.exercises:
        own_names = {ident: names for ident, _, names in POLICY.exercises}[ex.id]
        if source in own_names:
            continue  # the exercise allows it itself (training_loop writes files with open)
        assert rule in _rules(source, ex.id), f"{source!r} passes in {ex.id}"


# Honest idioms, each in the exercise where a student would write it.
GENEROUS = [
    ("lazy_evaluation", "import math\nx = math.sqrt(2.0) * math.pi"),
    (
        "lazy_evaluation",
        "from functools import partial, reduce\nf = partial(max, 0)\nreduce(f, [1])",
    ),
    (
        "lazy_evaluation",
        "import functools\n@functools.lru_cache(maxsize=None)\ndef f(n):\n    return n",
    ),
    (
        "lazy_evaluation",
        "import itertools\nfor a, b in itertools.product(range(2), 'ab'):\n    pass",
    ),
    (
        "lazy_evaluation",
        "from typing import Any, Callable\ndef f(g: Callable[..., Any]) -> Any:\n    return g()",
    ),
    (
        "lazy_evaluation",
        "from __future__ import annotations\nimport mlx.core as mx\ndef f(a: mx.array) -> mx.array:\n    return a",
    ),
    (
        "lazy_evaluation",
        "import mlx.core as mx\ndef f(a: 'mx.array') -> 'list[mx.array]':\n    return [a]",
    ),
    (
        "lazy_evaluation",
        "from dataclasses import dataclass, field\n@dataclass(frozen=True)\nclass P:\n    xs: list = field(default_factory=list)",
    ),
    (
        "lazy_evaluation",
        "from collections import Counter, defaultdict, namedtuple\nc = defaultdict(int)\nc['a'] += 1\nPt = namedtuple('Pt', 'x y')",
    ),
    ("lazy_evaluation", "from collections.abc import Callable, Iterable"),
    (
        "lazy_evaluation",
        "class Cache:\n    _made = 0\n\n    def __init__(self):\n        self._store = {}\n"
        "        Cache._made += 1\n\n    def get(self, k):\n        def load():\n"
        "            return self._store.get(k)\n        return load()",
    ),
    ("streams", "import time\nt0 = time.perf_counter()\nelapsed = time.perf_counter() - t0"),
    ("streams", "import statistics\nstatistics.median([1, 2, 3])"),
    (
        "streams",
        "from concurrent.futures import ThreadPoolExecutor\nwith ThreadPoolExecutor(max_workers=1) as pool:\n    pool.submit(print).result()",
    ),
    (
        "streams",
        "import mlx.core as mx\nwith mx.stream(mx.cpu):\n    y = mx.exp(mx.ones(3), stream=mx.cpu)",
    ),
    (
        "streams",
        "import mlx.core as mx\ndef pick():\n    return mx.gpu if mx.is_available(mx.gpu) else mx.cpu",
    ),
    ("lazy_evaluation", "x, n = 3.14159, 2\nprint(f'{x:.3f} {n!r:>4} {x=}')"),
    ("lazy_evaluation", "print('{:.3f} {} {name}'.format(1.0, 2, name='n'))"),
    (
        "lazy_evaluation",
        "import mlx.core as mx\na = mx.zeros(2)\nprint('{0.shape} {0.dtype}'.format(a))",
    ),
    ("lazy_evaluation", "def main():\n    pass\n\nif __name__ == '__main__':\n    main()"),
    (
        "lazy_evaluation",
        "squares = [i * i for i in range(4) if i % 2]\nd = {k: v for k, v in zip('ab', squares)}\ns = {x for x in squares}\ng = sum(x for x in squares)",
    ),
    (
        "lazy_evaluation",
        "def outer(k):\n    def inner(x):\n        nonlocal k\n        k += 1\n        return x * k\n    return inner",
    ),
    (
        "lazy_evaluation",
        "class Counter:\n    def __init__(self):\n        self.n = 0\n\n    def __call__(self):\n        self.n += 1\n        return self.n\n\nc = Counter()\nc.n = 5",
    ),
    (
        "lazy_evaluation",
        "class Base:\n    def __init__(self, x):\n        self.x = x\n\nclass Child(Base):\n    def __init__(self):\n        super().__init__(1)\n\n    def __repr__(self):\n        return f'Child({self.x})'",
    ),
    (
        "lazy_evaluation",
        "import mlx.core as mx\ndef fit(on_step):\n    w = mx.zeros(2)\n    for step in range(3):\n        w = w - 0.1\n        mx.eval(w)\n        on_step(step, w)\n    return w",
    ),
    (
        "lazy_evaluation",
        "import mlx.core as mx\ndef can_add(a, b):\n    try:\n        a + b\n    except ValueError as exc:\n        return str(exc) == ''\n    return True",
    ),
    (
        "lazy_evaluation",
        "import mlx.core as mx\nf = lambda x, k=2: mx.exp(x) * k\nif (n := 3) > 2:\n    pass",
    ),
    (
        "lazy_evaluation",
        "match (1, 2):\n    case (a, b) if a < b:\n        pass\n    case {'k': v, **rest}:\n        pass\n    case _:\n        pass",
    ),
    (
        "lazy_evaluation",
        "x = 1\nprint(type(x), isinstance(x, int), getattr(x, 'real'), hasattr(x, 'imag'))",
    ),
    ("lazy_evaluation", "from mlx.utils import tree_flatten, tree_map\ntree_map(abs, {'a': 1})"),
    ("lazy_evaluation", "from mlx.core import eval as evaluate\nevaluate({'a': 1})"),
    (
        "implicit_evaluation",
        "import mlx.core as mx\nf = mx.compile(lambda x: mx.where(x > 0, x, 0.1 * x))\nmx.vmap(f)(mx.ones((2, 2)))",
    ),
    (
        "function_transforms",
        "import mlx.core as mx\ndf = mx.grad(mx.sin)\nvg = mx.value_and_grad(lambda p: (p['w'] ** 2).sum())",
    ),
    ("indexing", "import mlx.core as mx\nx = mx.arange(6)\nx[x < 2] = 0\nx[..., None]\nx[1:4:2]"),
    (
        "inplace_updates",
        "import mlx.core as mx\na = mx.zeros(3, dtype=mx.int32)\na[:] += 1\nb = a.at[mx.array([0, 0])].add(1)",
    ),
    (
        "numpy_interop",
        "import mlx.core as mx\nimport numpy as np\na = mx.ones(3)\nv = np.asarray(a)\nnp.shares_memory(v, np.asarray(a))\nv.flags.owndata",
    ),
    (
        "other_frameworks",
        "import mlx.core as mx\na = mx.ones(2)\nkind, index = a.__dlpack_device__()\nmemoryview(a).format",
    ),
    (
        "other_frameworks",
        "def f(a):\n    import torch\n    return torch.as_tensor(a), torch.utils.dlpack.from_dlpack(a)",
    ),
    (
        "other_frameworks",
        "def f(a):\n    import jax\n    import jax.numpy as jnp\n    return jax.dlpack.from_dlpack(a), jnp.asarray(a)",
    ),
    (
        "other_frameworks",
        "def f(a):\n    import tensorflow as tf\n    return tf.constant(a), tf.experimental.dlpack.from_dlpack(a)",
    ),
    (
        "saving_loading",
        "import os\nimport tempfile\nfrom pathlib import Path\np = Path(os.fspath('a')) / 'b.npy'\nos.path.join('a', p.name)\ntempfile.TemporaryDirectory()",
    ),
    (
        "saving_loading",
        "import mlx.core as mx\nmx.savez_compressed('a', x=mx.ones(1))\nmx.load('a.npz', return_metadata=False)",
    ),
    ("training_loop", "with open('w.npz', 'wb') as f:\n    f.write(b'')\nopen('log', mode='a')"),
    (
        "training_loop",
        textwrap.dedent(
            """\
            from pathlib import Path

            import mlx.core as mx
            import mlx.nn as nn
            import mlx.optimizers as optim
            from mlx.utils import tree_flatten


            class MLP(nn.Module):
                def __init__(self, dims: int):
                    super().__init__()
                    self.layers = [nn.Linear(dims, dims), nn.Linear(dims, 1)]
                    self.act = nn.relu

                def __call__(self, x):
                    for layer in self.layers[:-1]:
                        x = self.act(layer(x))
                    return self.layers[-1](x)


            def train(model: MLP, x, y, path: Path):
                optimizer = optim.SGD(learning_rate=0.1)
                optimizer.learning_rate = 0.05
                layer = nn.Linear(2, 3)
                layer.weight = mx.zeros((3, 2))
                loss_and_grad = nn.value_and_grad(model, lambda m, a, b: nn.losses.mse_loss(m(a), b))
                loss, grads = loss_and_grad(model, x, y)
                optimizer.update(model, grads)
                mx.eval(loss, model.parameters(), optimizer.state)
                model.save_weights(str(path))
                return dict(tree_flatten(model.parameters()))
            """
        ),
    ),
]


# Honest habits that round one refused (issue 14).
GENEROUS += [
    (
        "streams",
        "import mlx.core as mx\n\ndef has_metal():\n    return hasattr(mx, 'metal') and mx.metal.is_available()",
    ),
    (
        "numpy_interop",
        "import numpy as np\n\ndef wide(x):\n    return x.astype(getattr(np, 'float64'))",
    ),
    (
        "streams",
        "import warnings\nimport mlx.core as mx\n\ndef pick():\n    warnings.warn('no GPU here: using the CPU', RuntimeWarning, stacklevel=2)\n    return mx.cpu",
    ),
    (
        "inplace_updates",
        "import copy\nimport mlx.core as mx\n\ndef f(a):\n    copy = mx.array(a)\n    copy[0] = 1\n    copy += 1\n    return [copy, copy.sum()]",
    ),
    ("inplace_updates", "import copy\n\ndef f(copy):\n    return lambda: copy * 2"),
    ("inplace_updates", "import copy\n\ndef f(xs):\n    return [copy + 1 for copy in xs]"),
    (
        "inplace_updates",
        "import functools\n\ndef logged(fn):\n    @functools.wraps(fn)\n    def inner(*a, **k):\n        return fn(*a, **k)\n    return inner",
    ),
    (
        "inplace_updates",
        "def f(x):\n    return 'x = {}, {:.2f}'.format(x, 1.5) + '{a}'.format_map({'a': 1})",
    ),
]


@pytest.mark.parametrize(
    ("exercise_id", "snippet"),
    GENEROUS,
    ids=[f"{ident}:{snippet.splitlines()[-1][:40]}" for ident, snippet in GENEROUS],
)
def test_honest_idioms_pass(exercise_id, snippet):
    found = POLICY.check(snippet, "honest.py", exercise_id)
    assert found == [], "\n".join(v.describe() for v in found)


def test_a_violation_is_one_line_naming_file_line_rule_and_fix():
    source = "import mlx.core as mx\n\n\ndef f():\n    mx.eval = print\n"
    (violation,) = POLICY.check(source, "exercises/01_lazy_evaluation.py", "lazy_evaluation")
    assert isinstance(violation, Violation)
    assert (violation.file, violation.line, violation.rule) == (
        "exercises/01_lazy_evaluation.py",
        5,
        "monkeypatch",
    )
    text = violation.describe()
    assert text.startswith("exercises/01_lazy_evaluation.py:5: policy monkeypatch: ")
    assert "\n" not in text and "mx.eval" in text and "; " in text


def test_messages_stay_one_printable_line_whatever_the_student_wrote():
    sources = [
        '"{0._\x1b\x07}".format(1)',  # escape codes in a format field
        'import mlx.core as mx\n(mx.random if 1 else """a\nb""").seed = 1',  # newline in code
        "import mlx.core as mx\n(mx.random or " + " + ".join(["1"] * 200) + ").seed = 1",
    ]
    for source in sources:
        (violation,) = POLICY.check(source, "f.py", "lazy_evaluation")
        text = violation.describe()
        assert text.isprintable() and len(text) < 400, text


def test_a_nul_character_matters_only_where_files_are_written():
    source = "text = 'a\\0b'"
    assert _rules(source, "saving_loading") == _rules(source, "training_loop") == {"nul-character"}
    assert _rules(source, "lazy_evaluation") == set()  # terminal output is the runner's to escape


def test_a_coding_line_after_a_long_first_line_is_found():
    source = "x = 1  # " + "-" * 5000 + "\n# coding: utf-7\n"
    assert _rules(source) == {"source-encoding"}


def test_a_20_mb_file_is_refused_in_one_line_without_parsing(tmp_path):
    source = "x = 1\n" * (20 * 1024 * 1024 // 6)
    found = POLICY.check(source, "big.py", "lazy_evaluation")
    assert [v.rule for v in found] == ["file-too-large"]
    assert "\n" not in found[0].describe() and "262144" in found[0].describe()
    path = tmp_path / "big.py"
    path.write_text(source)
    assert [v.rule for v in POLICY.check_file(path, "lazy_evaluation")] == ["file-too-large"]


@pytest.mark.parametrize(
    "source",
    [
        "x = " + "(" * 5000 + "1" + ")" * 5000,
        "x = " + "[" * 5000 + "]" * 5000,
        "x = " + "-" * 100_000 + "1",
        "x = 1" + " + 1" * 50_000,
        "x = a" + ".b" * 50_000,
        "def f():\n"
        + "".join("    " * i + "if x:\n" for i in range(1, 200))
        + "    " * 200
        + "pass\n",
    ],
    ids=["parens", "lists", "unary", "binop-chain", "attribute-chain", "nested-blocks"],
)
def test_deep_nesting_never_crashes(source):
    found = POLICY.check(source, "deep.py", "lazy_evaluation")
    assert {v.rule for v in found} <= {"nesting-too-deep", "file-too-large"}


def test_the_check_never_raises_on_real_code():
    # The grader's own modules break the policy in every way a library may, and the cheat set
    # in every way a student may; none may crash it.
    for path in sorted(
        [*(ROOT / "grader").glob("*.py"), *(ROOT / "tests/meta/cheats").glob("*.py")]
    ):
        found = POLICY.check(path.read_text(encoding="utf-8"), str(path), "lazy_evaluation")
        assert "checker-error" not in {v.rule for v in found}, path


def test_unparsable_source_is_left_to_the_import():
    assert POLICY.check("def f(:\n", "broken.py", "lazy_evaluation") == []
    assert POLICY.check("x = 1\0", "nul.py", "lazy_evaluation") == []


def test_an_unknown_exercise_gets_the_course_wide_policy():
    assert POLICY.check("import torch", "x.py", "no_such_exercise")[0].rule == "import"
    assert POLICY.check("import math", "x.py", "no_such_exercise") == []


def test_command_line_prints_violations_and_exits_1(tmp_path):
    bad = tmp_path / "01_lazy_evaluation.py"
    bad.write_text("import mlx.core as mx\nmx.eval = print\nimport sys\n")
    proc = run_grade("dev", "policy", str(bad), str(ROOT / "solutions"))
    lines = proc.stdout.splitlines()
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert [line.split(": policy ")[1].split(":")[0] for line in lines] == [
        "monkeypatch",
        "forbidden-module",
    ]
    clean = run_grade("dev", "policy", str(ROOT / "solutions"))
    assert (clean.returncode, clean.stdout) == (0, ""), clean.stdout + clean.stderr


def test_command_line_checks_an_answer_appended_to_its_solution(tmp_path):
    # `os` comes from the solution's imports, as when the harness appends the answer to it.
    answer = tmp_path / "wrong" / "saving_loading" / "shells_out.py"
    answer.parent.mkdir(parents=True)
    answer.write_text('"""Shells out."""\n\n\ndef save_array(path, a):\n    os.system("true")\n')
    proc = run_grade("dev", "policy", str(answer))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout.startswith(f"{answer}:5: policy forbidden-module: uses os.system"), (
        proc.stdout
    )


def test_command_line_refuses_a_missing_path_in_one_line(tmp_path):
    missing = tmp_path / "no_such_file.py"
    proc = run_grade("dev", "policy", str(missing))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr == f"Error: no such file or folder: {missing}\n", proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr


# --- the [policy] tables are validated ---------------------------------------------------------


def _manifest(**policy) -> dict:
    data = copy.deepcopy(MANIFEST)
    for key, value in policy.items():
        if value is None:
            del data["policy"][key]
        else:
            data["policy"][key] = value
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"allowed_modules": ["math"]}, "unknown key 'allowed_modules'"),
        ({"forbidden_names": None}, "missing key 'forbidden_names'"),
        ({"allowed_imports": "math"}, "allowed_imports must be a list of strings"),
        ({"allowed_imports": ["math", 3]}, "allowed_imports must be a list of strings"),
        ({"allowed_imports": ["not a module"]}, "'not a module', which is not a Python name"),
        ({"allowed_imports": ["math", "sys"]}, "'sys' is both allowed and forbidden"),
        ({"allowed_dunders": ["name"]}, "'name', which is no __dunder__"),
        ({"max_bytes": "big"}, "max_bytes must be a whole number"),
        ({"max_bytes": 10}, "max_bytes must be a whole number"),
    ],
    ids=lambda x: x if isinstance(x, str) else next(iter(x)),
)
def test_policy_table_errors_name_the_problem(change, message):
    with pytest.raises(CourseError) as caught:
        Policy.from_manifest(_manifest(**change))
    assert message in str(caught.value) and "course.toml" in str(caught.value)


def test_exercise_allowances_are_validated():
    data = copy.deepcopy(MANIFEST)
    data["exercises"][0]["allowed_imports"] = "torch"
    with pytest.raises(CourseError, match=r"\[\[exercises\]\] 'lazy_evaluation': allowed_imports"):
        Policy.from_manifest(data)


def test_a_missing_or_damaged_policy_is_a_course_error_naming_the_file(tmp_path):
    data = copy.deepcopy(MANIFEST)
    del data["policy"]
    with pytest.raises(CourseError, match=r"no \[policy\] table"):
        Policy.from_manifest(data)
    (tmp_path / "course.toml").write_bytes(b"[policy\nmax_bytes = \xff")
    with pytest.raises(CourseError, match=str(tmp_path / "course.toml")):
        load_policy(tmp_path)
    with pytest.raises(CourseError, match="cannot read"):
        load_policy(tmp_path / "missing")


def test_every_exercise_in_the_course_has_a_policy_entry():
    assert {ident for ident, _, _ in POLICY.exercises} == IDS
