"""summary.html: one self-contained page about a collect. Inline SVG and CSS only, no script and
nothing fetched (its Content-Security-Policy forbids it), so it works offline and from a zip.
Every student-supplied string is escaped: ids and messages come from hostile files. The page is
written as it is made: the numbers from the collect's ClassResult, the student tables a row at a
time from the gradebook (its ClassRows)."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import TYPE_CHECKING, TextIO

from grader.instructor.similarity import SimilarPair

if TYPE_CHECKING:
    from grader.instructor.model import ClassResult, ClassRows
    from grader.instructor.stats import CheckStats

STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:980px;color:#1d1d1f;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
h3{margin:1.2rem 0 .3rem;font-size:1.05rem}
.muted{color:#666}.numbers{display:flex;gap:1.5rem;flex-wrap:wrap;margin:1rem 0}
.numbers div{background:#f5f5f7;border-radius:8px;padding:.6rem 1rem}.numbers b{display:block;font-size:1.4rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #eee;vertical-align:top}
th{background:#fafafa}td.n{text-align:right;font-variant-numeric:tabular-nums}
.flag{display:inline-block;background:#fde8e8;color:#9b1c1c;border-radius:4px;padding:0 .35rem;margin:0 .2rem .2rem 0;font-size:.85rem}
svg text{font:12px system-ui,sans-serif;fill:#333}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:.6rem}.pair pre{margin:0;overflow:auto;max-height:32rem;background:#f8f8fa;padding:.4rem;font-size:12px}
details{margin:.3rem 0}summary{cursor:pointer}
"""


def write_summary(result: ClassResult, rows: ClassRows, out: TextIO) -> None:
    """Write the whole page to `out`."""
    course = result.course
    median, mean = result.median, result.mean
    flagged_checks = [s for s in result.checks if s.flags]
    for part in [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">",
        f"<title>{escape(course.title)}: class summary</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape(course.title)}: class summary</h1>",
        f'<p class="muted">Course {escape(course.name)}, collect #{result.collection}. '
        f"Every score was regraded from the submitted sources with this checkout's checks.</p>",
        '<div class="numbers">',
        _number("students", result.students),
        _number("graded", result.graded),
        _number("flagged", result.flagged),
        _number("median", "–" if median is None else f"{median:.0f}%"),
        _number("mean", "–" if mean is None else f"{mean:.0f}%"),
        _number("graded now / cached", f"{result.graded_now} / {result.cached}"),
        "</div>",
        "<h2>Totals</h2>",
        _histogram_svg(result),
        "<h2>Pass rate per check</h2>",
        '<p class="muted">A check is flagged when its pass rate is above 95% or below 20%, or its '
        "discrimination (correlation of passing it with the total of the other checks) is below 0.2. "
        "Flagged checks are drawn in red.</p>",
        _pass_rates(result),
        f'<h2 id="flagged-students">Flagged students ({result.flagged})</h2>',
    ]:
        out.write(part + "\n")
    _flagged_students(result, rows, out)
    out.write(f'\n<h2 id="flagged-checks">Flagged checks ({len(flagged_checks)})</h2>\n')
    out.write(_flagged_checks(flagged_checks) + "\n")
    book = rows.book
    pairs = [SimilarPair(*pair, identical=False) for pair in book.similar(result.collection)]
    out.write(
        similarity_section(pairs, lambda who, ex: book.source_of(result.collection, who, ex)) + "\n"
    )
    if result.notes:
        out.write(f"<h2>Input passed over ({len(result.notes)})</h2><ul>\n")
        for note in result.notes:
            out.write(f"<li>{escape(note)}</li>\n")
        out.write("</ul>\n")
    out.write("<h2>All students</h2>\n")
    _all_students(result, rows, out)
    out.write("\n</body></html>\n")


def _number(label: str, value: object) -> str:
    return f"<div><b>{escape(str(value))}</b>{escape(label)}</div>"


def _histogram_svg(result: ClassResult) -> str:
    if not result.graded:
        return '<p class="muted">No submission could be graded.</p>'
    counts = result.histogram
    width, height, left, bottom = 640, 220, 40, 30
    bar = (width - left) / len(counts)
    top = max(counts)
    out = [
        f'<svg role="img" aria-label="Histogram of total percentages" width="{width}" height="{height + bottom}" '
        f'viewBox="0 0 {width} {height + bottom}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, count in enumerate(counts):
        h = 0 if top == 0 else (height - 20) * count / top
        x = left + i * bar
        out.append(
            f'<rect x="{x + 2:.1f}" y="{height - h:.1f}" width="{bar - 4:.1f}" height="{h:.1f}" fill="#3b7ddd">'
            f"<title>{i * 10}–{i * 10 + 10}%: {count} student(s)</title></rect>"
        )
        if count:
            out.append(
                f'<text x="{x + bar / 2:.1f}" y="{height - h - 4:.1f}" text-anchor="middle">{count}</text>'
            )
        out.append(
            f'<text x="{x + bar / 2:.1f}" y="{height + 16}" text-anchor="middle">{i * 10}%</text>'
        )
    out.append(f'<line x1="{left}" y1="{height}" x2="{width}" y2="{height}" stroke="#999"/>')
    out.append('<text x="0" y="14">students</text></svg>')
    return "".join(out)


def _pass_rates(result: ClassResult) -> str:
    out = []
    titles = {ex.id: ex.title for ex in result.course.exercises}
    for number, ex in enumerate(result.course.exercises, 1):
        stats = [s for s in result.checks if s.exercise == ex.id]
        if not stats:
            continue
        row_h, label_w, bar_w = 22, 430, 380
        height = row_h * len(stats) + 6
        out.append(f"<h3>{number:02d} {escape(titles[ex.id])}</h3>")
        out.append(
            f'<svg role="img" aria-label="Pass rate per check of {escape(ex.id)}" width="{label_w + bar_w + 60}" '
            f'height="{height}" xmlns="http://www.w3.org/2000/svg">'
        )
        for i, s in enumerate(stats):
            y = i * row_h + 3
            rate = s.pass_rate or 0.0
            colour = "#d9534f" if s.flags else "#4caf50"
            label = s.name.removeprefix("test_").replace("_", " ")
            if len(label) > 62:
                label = label[:59] + "..."
            hidden = " (hidden)" if s.hidden else ""
            shown = "–" if s.pass_rate is None else f"{rate:.0%}"
            fill = ' style="fill:#b42318"' if s.flags else ""
            out.append(
                f'<text x="0" y="{y + 14}"{fill}>{escape(label + hidden)}</text>'
                f'<rect x="{label_w}" y="{y}" width="{bar_w}" height="{row_h - 6}" fill="#eee"/>'
                f'<rect x="{label_w}" y="{y}" width="{bar_w * rate:.1f}" height="{row_h - 6}" fill="{colour}">'
                f"<title>{escape(s.name)}: {shown} of {s.students} passed; {escape('; '.join(s.flags) or 'no flag')}</title></rect>"
                f'<text x="{label_w + bar_w + 6}" y="{y + 14}">{shown}</text>'
            )
        out.append("</svg>")
    return "\n".join(out) or '<p class="muted">No check ran.</p>'


def _flagged_students(result: ClassResult, rows: ClassRows, out: TextIO) -> None:
    if not result.flagged:
        out.write('<p class="muted">None.</p>')
        return
    out.write("<table><tr><th>Student</th><th>Score</th><th>Flags</th></tr>")
    for row in rows.rows(flagged=True):
        flags = "".join(
            f'<div><span class="flag">{escape(kind)}</span>{escape(detail)}</div>'
            for kind, detail in row.flags
        )
        score = f"{row.total:g}/{row.maximum:g}" if row.graded else "not graded"
        out.write(
            f'<tr><td>{escape(row.student)}</td><td class="n">{score}</td><td>{flags}</td></tr>'
        )
    out.write("</table>")


def _flagged_checks(stats: list[CheckStats]) -> str:
    if not stats:
        return '<p class="muted">None.</p>'
    rows = [
        f"<tr><td>{escape(s.exercise)}</td><td>{escape(s.name)}{' (hidden)' if s.hidden else ''}</td>"
        f'<td class="n">{"–" if s.pass_rate is None else f"{s.pass_rate:.0%}"}</td>'
        f'<td class="n">{"–" if s.discrimination is None else f"{s.discrimination:.2f}"}</td>'
        f"<td>{''.join(f'<span class=flag>{escape(f)}</span>' for f in s.flags)}</td></tr>"
        for s in stats
    ]
    return (
        "<table><tr><th>Exercise</th><th>Check</th><th>Pass rate</th><th>Discrimination</th><th>Flags</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _all_students(result: ClassResult, rows: ClassRows, out: TextIO) -> None:
    exercises = result.course.exercises
    head = "".join(
        f'<th title="{escape(ex.title)}">{i:02d}</th>' for i, ex in enumerate(exercises, 1)
    )
    out.write(f"<table><tr><th>Student</th>{head}<th>Total</th><th>%</th><th>Flags</th></tr>")
    for row in rows.rows():
        cells = "".join(
            f'<td class="n">{row.scores[ex.id]:g}</td>'
            if ex.id in row.scores
            else '<td class="n">–</td>'
            for ex in exercises
        )
        total = f"{row.total:g}" if row.graded else "–"
        percent = f"{row.percent:.0f}%" if row.graded else "–"
        out.write(
            f'<tr><td>{escape(row.student)}</td>{cells}<td class="n">{total}</td><td class="n">{percent}</td>'
            f'<td class="n">{len(row.flags) or ""}</td></tr>'
        )
    out.write("</table>")


SIMILAR_SHOWN = 60  # pairs shown with their sources; the rest are listed
SIMILAR_LINES = 300  # lines shown of each source


def similarity_section(pairs: list[SimilarPair], source: Callable[[str, str], str | None]) -> str:
    """The similar pairs as an HTML fragment: a hint to look, never a verdict. Each of the first
    SIMILAR_SHOWN pairs opens (a <details>) on the two sources side by side, SIMILAR_LINES lines
    of each at most; `source(student, exercise)` gives a source's text, None when it is gone."""
    out = [
        f'<h2 id="similar-sources">Similar sources ({len(pairs)})</h2>',
        '<p class="muted">Pairs of sources of one exercise that stay alike once names, comments, '
        "docstrings and layout are set aside: a hint, not a verdict. Code every student writes "
        "alike, and the stub, are left out.</p>",
    ]
    if not pairs:
        out.append('<p class="muted">None.</p>')
    for number, pair in enumerate(pairs):
        what = "identical text" if pair.identical else f"{pair.score:.0%} alike"
        head = f"{escape(pair.exercise)}: {escape(pair.a)} and {escape(pair.b)}, {what}"
        if number >= SIMILAR_SHOWN:
            out.append(f"<div>{head}</div>")
            continue
        columns = "".join(
            f"<div><b>{escape(student)}</b><pre>{_shown_source(source(student, pair.exercise))}</pre></div>"
            for student in (pair.a, pair.b)
        )
        out.append(f'<details><summary>{head}</summary><div class="pair">{columns}</div></details>')
    return "\n".join(out)


def _shown_source(text: str | None) -> str:
    if text is None:
        return "(source not kept)"
    lines = text.splitlines()
    shown = "\n".join(line[:300] for line in lines[:SIMILAR_LINES])
    more = len(lines) - SIMILAR_LINES
    return escape(shown) + (f"\n... {more} more lines" if more > 0 else "")
