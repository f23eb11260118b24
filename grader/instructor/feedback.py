"""Feedback to return to one student, from the verified report a collect wrote: the score per
exercise and in total, each visible check's outcome, points and message, and for the hidden
checks only how many there are and what they are worth (never their names, messages or
outcomes). As Markdown or as a standalone HTML page; both say the same.

Messages come from the student's own code (an exception text, a printed value): everything is
made inert. In Markdown, control characters are escaped (grader.text.escape), one-line text has
its Markdown characters backslashed, and a multi-line message sits in a fence longer than any
run of backticks inside it. In HTML, everything goes through html.escape.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape as html_escape
from typing import Any

from grader.manifest import Course
from grader.text import escape as escape_controls

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~])")
_CONTROLS_BUT_NEWLINES = re.compile(r"[^\n]+")


def _inline(text: object) -> str:
    """One line of text, inert in Markdown: controls escaped, Markdown characters backslashed."""
    return _MARKDOWN.sub(r"\\\1", escape_controls(str(text)))


def _block(text: str) -> str:
    """A multi-line message in a fence that nothing inside can close; controls escaped line by
    line (a newline stays a newline)."""
    safe = _lines(text)
    longest = max((len(run) for run in re.findall(r"`+", safe)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{safe}\n{fence}"


def _lines(text: str) -> str:
    """`text` with its line breaks kept (CR LF and CR as LF) and every other control escaped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROLS_BUT_NEWLINES.sub(lambda m: escape_controls(m.group()), text)


def _number(value: object) -> str:
    try:
        return f"{float(value):g}"  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return "?"


def _content(report: dict[str, Any], course: Course) -> dict[str, Any]:
    """What both formats show, taken from the report defensively (it is a verified report, but
    its strings came from student code)."""
    titles = {ex.id: ex.title for ex in course.exercises}
    exercises = []
    for entry in report.get("exercises") or []:
        if not isinstance(entry, dict):
            continue
        checks = [c for c in entry.get("checks") or [] if isinstance(c, dict)]
        visible = [c for c in checks if not c.get("hidden")]
        hidden = [c for c in checks if c.get("hidden")]
        exercises.append(
            {
                "title": titles.get(
                    str(entry.get("id")), str(entry.get("title") or entry.get("id"))
                ),
                "score": _number(entry.get("score")),
                "max": _number(entry.get("max_score")),
                "visible": [
                    {
                        "name": str(c.get("name", "")),
                        "outcome": str(c.get("outcome", "")),
                        "points": _number(c.get("points")),
                        "max": _number(c.get("max_points")),
                        "message": _lines(str(c.get("message") or "")),
                    }
                    for c in visible
                ],
                "hidden_count": len(hidden),
                "hidden_points": _number(sum(_float(c.get("max_points")) for c in hidden)),
            }
        )
    return {
        "course": course.title,
        "student": str(report.get("student") or "(no id)"),
        "score": _number(report.get("score")),
        "max": _number(report.get("max_score")),
        "exercises": exercises,
    }


def _float(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return 0.0


def _hidden_line(count: int, points: str) -> str:
    checks = "check" if count == 1 else "checks"
    return (
        f"{count} hidden {checks} also counted, worth {points} points in total "
        "(their names and results are not shown)."
    )


def feedback_markdown(report: dict[str, Any], course: Course, notes: Sequence[str] = ()) -> str:
    """The feedback for the student of `report` (a verified report, as collect writes to
    reports/<id>.json) as Markdown, with `notes` (late penalty, override...) listed first."""
    c = _content(report, course)
    out = [
        f"# {_inline(c['course'])}: feedback for {_inline(c['student'])}",
        "",
        f"**Total: {c['score']} / {c['max']}**",
        "",
    ]
    if notes:
        out += [f"- {_inline(note)}" for note in notes] + [""]
    for ex in c["exercises"]:
        out += [f"## {_inline(ex['title'])}: {ex['score']} / {ex['max']}", ""]
        for check in ex["visible"]:
            out.append(
                f"- **{_inline(check['name'])}**: {_inline(check['outcome'])}, "
                f"{check['points']} / {check['max']}"
            )
            message = check["message"]
            if "\n" in message:
                out += ["", _block(message), ""]
            elif message:
                out.append(f"  {_inline(message)}")
        if ex["hidden_count"]:
            out += ["", _inline(_hidden_line(ex["hidden_count"], ex["hidden_points"]))]
        out.append("")
    return "\n".join(out)


def feedback_html(report: dict[str, Any], course: Course, notes: Sequence[str] = ()) -> str:
    """The same feedback as `feedback_markdown`, as a standalone HTML page (no script, nothing
    fetched)."""
    c = _content(report, course)

    def e(text: str) -> str:
        return html_escape(_lines(text))

    title = f"{c['course']}: feedback for {c['student']}"
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>{e(title)}</title><style>"
        "body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:860px;padding:0 1rem}"
        "pre{background:#f5f5f7;padding:.5rem;overflow:auto;white-space:pre-wrap}"
        ".passed{color:#1a7f37}.failed,.error,.timeout,.crashed{color:#b42318}.skipped{color:#666}"
        "</style></head><body>",
        f"<h1>{e(title)}</h1>",
        f"<p><b>Total: {e(c['score'])} / {e(c['max'])}</b></p>",
    ]
    if notes:
        out.append("<ul>" + "".join(f"<li>{e(str(n))}</li>" for n in notes) + "</ul>")
    for ex in c["exercises"]:
        out.append(f"<h2>{e(ex['title'])}: {e(ex['score'])} / {e(ex['max'])}</h2><ul>")
        for check in ex["visible"]:
            outcome = check["outcome"]
            css = outcome if outcome.isalpha() else "other"
            message = f"<pre>{e(check['message'])}</pre>" if check["message"] else ""
            out.append(
                f'<li><b>{e(check["name"])}</b>: <span class="{e(css)}">{e(outcome)}</span>, '
                f"{e(check['points'])} / {e(check['max'])}{message}</li>"
            )
        out.append("</ul>")
        if ex["hidden_count"]:
            out.append(f"<p>{e(_hidden_line(ex['hidden_count'], ex['hidden_points']))}</p>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
