"""The grading engine that the student's loop and the instructor's tools both stand on: the
protocol between supervisor and grading process, jobs and limits, the supervisor, how grading
processes are launched and confined, the grading process itself, and one grading run from start
to finish."""
