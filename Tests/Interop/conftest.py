"""Shared fixtures of the interop checks (run by .ci/interop, see docs/TESTING.md).

`netspec` runs the binary named by the NETSPEC environment variable and returns the
completed process; a non-zero exit fails the test with its output unless `check=False`.
"""

import os
import pathlib
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def repo() -> pathlib.Path:
    """The repository's root."""
    return REPO


@pytest.fixture(scope="session")
def netspec():
    """Runs `netspec ARGS...` from the repository root."""
    binary = os.environ.get("NETSPEC", str(REPO / ".build" / "debug" / "netspec"))
    if not os.path.exists(binary):
        pytest.fail(f"no netspec binary at {binary}: build it or set NETSPEC")

    def run(*args, check=True, cwd=REPO, timeout=600):
        result = subprocess.run(
            [binary, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=timeout
        )
        if check and result.returncode != 0:
            pytest.fail(
                f"netspec {' '.join(map(str, args))} exited {result.returncode}\n"
                f"{result.stdout}\n{result.stderr}"
            )
        return result

    return run
