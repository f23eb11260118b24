"""Similarity that survives renaming, comments and reformatting (issue 16, item 4), on the
course's own sources: a disguised copy of a reference solution still pairs, two honest solutions
written in different idioms (solutions/ against tests/meta/right/) and a solution against its
stub do not, hostile text never raises, and a class finds exactly its copied pair."""

from __future__ import annotations

import ast
import time

import pytest
from conftest import ROOT
from copies import disguise, honest_program, rename

from grader.instructor.similarity import SimilarPair, fingerprints, similar_pairs
from grader.manifest import load_course

COURSE = load_course(ROOT)
EXERCISES = [(ex.id, ex.file) for ex in COURSE.exercises]


def _read(relative: str) -> str:
    return (ROOT / relative).read_text(encoding="utf-8")


def _score(exercise: str, a: str, b: str, stub: str) -> float:
    pairs = similar_pairs(exercise, [("a", a), ("b", b)], stub=stub, threshold=0.0)
    return pairs[0].score if pairs else 0.0


@pytest.mark.parametrize(("exercise", "file"), EXERCISES)
def test_a_disguised_copy_still_pairs(exercise, file):
    solution, stub = _read(f"solutions/{file}"), _read(f"exercises/{file}")
    copy = disguise(solution, seed=7)
    assert copy != solution and "# step" in copy
    assert _score(exercise, solution, copy, stub) >= 0.8
    assert _score(exercise, rename(solution, 1), disguise(solution, 2), stub) >= 0.8


def _functions(source: str) -> dict[str, str]:
    tree = ast.parse(source)
    return {
        node.name: ast.get_source_segment(source, node) or ""
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.ClassDef))
    }


def _imports(source: str) -> str:
    tree = ast.parse(source)
    kinds = (ast.Import, ast.ImportFrom)
    return "\n".join(
        ast.get_source_segment(source, n) or "" for n in tree.body if isinstance(n, kinds)
    )


@pytest.mark.parametrize(("exercise", "file"), EXERCISES)
def test_two_honest_solutions_do_not_pair(exercise, file):
    """The functions the right answers rewrite, as solutions/ writes them and as the right
    answers do: the same task in other idioms is no copy."""
    solution, stub = _read(f"solutions/{file}"), _read(f"exercises/{file}")
    other: dict[str, str] = {}
    for right in sorted((ROOT / "tests" / "meta" / "right" / exercise).glob("*.py")):
        other.update(_functions(right.read_text(encoding="utf-8")))
    mine = _functions(solution)
    names = [name for name in other if name in mine]
    assert names, f"no right answer rewrites a function of {exercise}"
    head = _imports(solution) + "\n\n"
    a = head + "\n\n".join(mine[n] for n in names)
    b = head + "\n\n".join(other[n] for n in names)
    assert _score(exercise, a, b, stub) < 0.5
    # ...and a solution against its stub: nothing of the solution's own is in the stub.
    assert _score(exercise, solution, stub, stub) == 0.0
    assert similar_pairs(exercise, [("a", stub), ("b", stub)], stub=stub) == []


@pytest.mark.parametrize(
    "text",
    [
        "def f():\n    x = '''never closed\n" + "y = 1\n" * 50_000,
        "def f():\n    return 1\x00\x00 + 2\n" * 20_000,
        "a" * (1 << 20),
        "a " * (1 << 19),
        "(" * (1 << 20),
        "'\\" * (1 << 19),
        "'" * (1 << 20),
        "if x:\n        a = 1\n    b = 2\n" * 10_000,
        "x = '\ud800'\n" * 1_000,
        "\ufeff",
        "",
    ],
    ids=["unterminated", "nul", "one-token", "many-tokens", "parens", "backslashes", "quotes",
         "dedent", "surrogate", "bom", "empty"],
)  # fmt: skip
def test_hostile_text_never_raises_and_stays_fast(text):
    start = time.perf_counter()
    found = fingerprints(text)
    pairs = similar_pairs("streams", [("a", text), ("b", text + "\n# x"), ("c", text)])
    assert time.perf_counter() - start < 5
    assert len(found) <= 4096
    assert all(isinstance(p, SimilarPair) for p in pairs)


def test_a_class_finds_exactly_its_copied_pair():
    solution, stub = _read("solutions/04_streams.py"), _read("exercises/04_streams.py")
    sources = [(f"s{i:03d}", honest_program(i)) for i in range(197)]
    sources += [("alice", solution), ("zed", disguise(solution, 3)), ("stubby", stub)]
    pairs = similar_pairs("streams", sources, stub=stub)
    assert pairs == [SimilarPair("streams", "alice", "zed", 1.0, False)]


def test_identical_sources_are_marked_and_ordered():
    solution, stub = _read("solutions/04_streams.py"), _read("exercises/04_streams.py")
    sources = [("bob", solution), ("amy", solution), ("cy", disguise(solution, 5))]
    sources += [(f"s{i}", honest_program(i)) for i in range(20)]
    pairs = similar_pairs("streams", sources, stub=stub)
    assert pairs[0] == SimilarPair("streams", "amy", "bob", 1.0, True)
    assert {(p.a, p.b, p.identical) for p in pairs} == {
        ("amy", "bob", True), ("amy", "cy", False), ("bob", "cy", False)
    }  # fmt: skip
    assert all(p.a < p.b for p in pairs)


def test_fingerprints_are_the_same_in_every_process():
    """Fingerprints may be kept (a gradebook table): they depend on the text alone, not on
    Python's per-process string hashing."""
    import subprocess
    import sys

    code = "from grader.instructor.similarity import fingerprints as f; print(sorted(f(open('solutions/01_lazy_evaluation.py').read()))[:5])"
    runs = {
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                       env={"PYTHONHASHSEED": seed}).stdout
        for seed in ("1", "2")
    }  # fmt: skip
    assert len(runs) == 1 and runs != {""}


def test_the_summary_section_shows_pairs_side_by_side_escaped():
    from grader.instructor.summary import SIMILAR_LINES, similarity_section

    pairs = [
        SimilarPair("streams", "<b>amy</b>", "bob", 0.93, False),
        SimilarPair("streams", "cy", "dan", 1.0, True),
    ]
    texts = {
        "<b>amy</b>": "x = '<script>alert(1)</script>'\n" * (SIMILAR_LINES + 5),
        "bob": "y = 2\n",
    }
    html = similarity_section(pairs, lambda student, exercise: texts.get(student))
    assert "<script>" not in html and "&lt;script&gt;" in html and "<b>amy</b>" not in html
    assert html.count("<details>") == 2 and html.count('class="pair"') == 2
    assert "a hint, not a verdict" in html and "93% alike" in html and "identical text" in html
    assert "5 more lines" in html and "(source not kept)" in html
    assert "None." in similarity_section([], lambda s, e: None)
