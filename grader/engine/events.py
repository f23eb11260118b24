"""What the supervisor knows of a grading process, and how the events it streams change that:
the decoding half of supervision (grader.engine.supervisor watches the clock, memory and pipes).

Events arrive as JSON lines on the process's results channel; only those signed with the job's
token count, and one that pretends a check other than the running one finished is noted as
suspicious and ignored. Nothing here trusts what a line says.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from grader.engine.protocol import CheckId, Event, Outcome


@dataclass
class RawResult:
    """One check's outcome as the supervisor saw it (before points are attached)."""

    outcome: Outcome
    message: str = ""
    duration: float = 0.0
    output: str = ""
    traceback: str = ""  # the frames in student code, for `grade -v`


@dataclass
class Collected:
    """What all grading processes of a run reported."""

    results: dict[str, RawResult] = field(default_factory=dict)
    environment: dict[str, Any] = field(default_factory=dict)
    suspicious: list[tuple[str | None, str]] = field(default_factory=list)  # (check id, reason)
    restarts: int = 0


@dataclass
class ProcessState:
    """The state of one grading process while it runs."""

    current: str | None = None
    started: float = 0.0
    importing: bool = False
    finished: bool = False
    fault: tuple[Outcome, str] | None = None  # (outcome, message)
    collect_errors: dict[str, str] = field(default_factory=dict)
    progressed: bool = False
    session_started: bool = False
    call: str | None = None  # the call into student code the running check made last
    startup_output: str = ""  # the last line the process printed, for a failed start
    token: str = field(default_factory=lambda: secrets.token_hex(16))


def handle_event(line: bytes, state: ProcessState, collected: Collected) -> None:
    """Apply one line from the results channel to the process's state and the run's results."""
    try:
        event = json.loads(line)
        kind = event["event"]
    except (ValueError, KeyError, TypeError):
        return  # not ours: something else wrote to the events pipe; ignore it
    if not isinstance(event, dict) or event.get("token") != state.token:
        collected.suspicious.append(
            (
                state.current,
                "an event without the grading process's token was written to its results channel (ignored)",
            )
        )
        return
    try:
        kind = Event(kind)
    except ValueError:
        return  # a kind this supervisor does not know carries nothing it needs
    if kind is Event.RESULT and event.get("nodeid") != state.current:
        collected.suspicious.append(
            (
                state.current,
                f"a result for {event.get('nodeid')}, which was not running, was written to the results channel (ignored)",
            )
        )
        return
    if kind is Event.START:
        state.current, state.started, state.importing, state.progressed = (
            event["nodeid"],
            time.monotonic(),
            False,
            True,
        )
        state.call = None
    elif kind is Event.CALL:
        state.call = str(event.get("summary", ""))[:200]
    elif kind is Event.IMPORT:
        state.importing = event.get("phase") == "start"
    elif kind is Event.RESULT:
        nodeid = event["nodeid"]
        if nodeid not in collected.results:
            try:
                outcome, message = Outcome(event["outcome"]), event.get("message", "")
            except ValueError:
                outcome, message = Outcome.ERROR, f"an unknown outcome {event['outcome']!r}"
            collected.results[nodeid] = RawResult(
                outcome,
                message,
                event.get("duration", 0.0),
                event.get("output", ""),
                str(event.get("traceback", "")),
            )
        state.current = None
    elif kind is Event.ENVIRONMENT:
        state.session_started = True
        collected.environment = {k: v for k, v in event.items() if k not in ("event", "token")}
    elif kind is Event.COLLECT_ERROR:
        state.collect_errors[event["nodeid"]] = event.get("message", "")
    elif kind is Event.SUSPICIOUS:
        collected.suspicious.append((state.current, event.get("reason", "")))
    elif kind is Event.FINISHED:
        state.finished = True


def charge_fault(state: ProcessState, pending: list[str], collected: Collected) -> None:
    """Charge the process's fault to the check that was running, and to every check still
    pending when it struck during the student module's import."""
    if state.fault is None or state.current is None:
        return
    victims = [state.current]
    if state.importing:  # the module could not be imported: no check of it can run
        victims += pending
    for check_id in victims:
        collected.results.setdefault(check_id, RawResult(*state.fault))


def unreported(check_id: str, state: ProcessState) -> RawResult:
    """The result of a check no process reported: its file did not load, the process's fault,
    or a check the manifest names that its file lacks."""
    check_file = CheckId.parse(check_id).label
    if check_file in state.collect_errors:
        return RawResult(
            Outcome.ERROR,
            f"the check file {check_file} could not be loaded: {state.collect_errors[check_file]}",
        )
    if state.fault:
        return RawResult(state.fault[0], state.fault[1])
    return RawResult(
        Outcome.ERROR,
        f"{check_id} was not found: the check file and its manifest disagree; reinstall the course",
    )
