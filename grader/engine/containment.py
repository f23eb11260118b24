"""Keeps whatever student code raises to the check that raised it (a pytest plugin of the
grading process): a KeyboardInterrupt, a pytest.exit or an exception whose message raises would
otherwise end the whole pytest session."""

from __future__ import annotations

from collections.abc import Generator

import pytest


class StudentInterrupt(Exception):
    """Student code raised KeyboardInterrupt or asked pytest to stop: it costs one check."""


_STOPPERS = (KeyboardInterrupt, pytest.exit.Exception)


class Containment:
    """Keeps what student code raises to the check that raised it; a plugin of its own, as
    these hooks are also JSONReport's.

    A KeyboardInterrupt (or pytest.exit) would end the whole session; an exception whose
    message, repr or notes raise in turn would do the same later, when pytest reports it. Both
    become an ordinary failure of the running check.
    """

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Generator[None, object, object]:
        try:
            return (yield)
        except BaseException as exc:  # noqa: BLE001 - whatever student code raised
            raise _contained(exc) from None

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, object, object]:
        try:
            return (yield)
        except BaseException as exc:  # noqa: BLE001
            raise _contained(exc) from None

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> Generator[None, object, object]:
        try:
            return (yield)
        except BaseException as exc:  # noqa: BLE001
            raise _contained(exc) from None


def _contained(exc: BaseException) -> BaseException:
    """`exc` itself when pytest can report it safely, else a plain stand-in for it. (Whatever
    slips through still costs only this exercise: it has a process of its own.)"""
    if isinstance(exc, _STOPPERS):
        return _interrupt(exc)
    try:
        str(exc), repr(exc)
        for note in getattr(exc, "__notes__", None) or ():
            str(note)
        return exc
    except BaseException:  # noqa: BLE001 - a message that raises is itself the fault
        return StudentInterrupt(
            "student code raised an exception whose message could not be read; "
            "only this check is charged for it"
        )


def _interrupt(exc: BaseException) -> StudentInterrupt:
    # In a grading process nothing but student code raises these (the real Ctrl-C goes to the
    # supervisor): pytest would end the whole session and lose every remaining check.
    return StudentInterrupt(
        f"student code raised {type(exc).__name__}; only this check is charged for it"
    )
