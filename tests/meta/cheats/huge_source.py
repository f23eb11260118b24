"""Class: a huge exercise file (megabytes of generated code) handed in.

Gain: the supervisor parses and scans every submission before grading; on a file like this its
memory use reaches gigabytes (there is no limit on the supervisor), which can take the grading
machine down in a batch regrade. Held: the file is refused by size, or parsed in a child under
the memory limit, and the exercise scores 0.
"""

# ruff: noqa
EXERCISE = "lazy_evaluation"
BASE = "stub"
GENERATE = "huge"
PEAK_MIB = 400  # an honest run of this exercise peaks near 200 MiB

# --- attack ---
