"""The student's loop: `grade`, `grade watch`, hints, the list, resets and solutions, and how
their results are shown."""
