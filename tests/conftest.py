"""Every check file runs under the course's checks plugin (the `student` fixture, `--target`)."""

pytest_plugins = ["grader.checks"]
