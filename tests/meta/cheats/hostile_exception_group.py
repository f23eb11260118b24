"""Class: an exception group whose members' text is hostile: ExceptionGroup (a builtin) wraps
exceptions whose str() raises KeyboardInterrupt, whose notes raise SystemExit, and one whose
message is a str subclass that raises when it is split or joined. Whoever formats the group,
or walks its members for a traceback, runs that code after the check itself has finished.

Gain: the session ends while the failure is written up, so the later checks are lost as engine
errors. Held: only the check whose code raised is lost.
"""

# ruff: noqa
EXERCISE = "lazy_evaluation"
BASE = "solution"
LOSES = ["test_can_add_*"]
KEEPS = True
WITNESSES = ["inplace_updates"]

# --- attack ---


class _Loud(ValueError):
    def __str__(self):
        raise KeyboardInterrupt

    def __repr__(self):
        raise KeyboardInterrupt


class _Text(str):
    def __str__(self):
        raise SystemExit(4)

    def __repr__(self):
        raise SystemExit(4)

    def split(self, *args, **kwargs):
        raise KeyboardInterrupt


def can_add(a, b):
    inner = ValueError(_Text("inner"))
    inner.add_note(_Text("a note"))
    raise ExceptionGroup("several things went wrong", [_Loud(), inner, TypeError(_Text("t"))])
