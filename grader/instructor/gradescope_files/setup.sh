#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image: it installs the
# course's grader into a virtual environment next to this file. Made by `grade export gradescope`.
#
# Target: Gradescope's default base image, Ubuntu 22.04. Its glibc (2.35) is the oldest that
# MLX's Linux wheels (mlx[cpu]) support, and its Python (3.10) the oldest the course supports.
set -euo pipefail

SOURCE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$SOURCE/venv"

if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends python3 python3-venv python3-pip
fi
python3 -c 'import sys; v = sys.version_info[:2]; assert (3, 10) <= v < (3, 14), f"Python {v} is not 3.10 to 3.13"'

python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --upgrade pip
# The wheel is the course's grader; pip brings its dependencies (MLX's CPU build, pytest, ...).
"$VENV/bin/python" -m pip install "$SOURCE"/dist/*.whl

# Grading processes may run as an unprivileged user (the grader drops root when it can): let
# them read the course and the virtual environment.
chmod -R a+rX "$SOURCE"
chmod a+x "$SOURCE/run_autograder"  # in case the upload lost the zip's file modes

# Fail the build now, not at the first submission, if MLX cannot run on this image.
"$VENV/bin/python" -c 'import mlx.core as mx; print("MLX", mx.__version__, "on", mx.default_device())'
