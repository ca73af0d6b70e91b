"""The Nu HTML checker (vnu) for the tests that validate pages.

Found through VNU_JAR, or node_modules/vnu-jar in the repository or /tmp, run with
the machine's java. `.ci/run` installs a pinned vnu-jar, so in CI (CI=true) a
missing checker fails the test instead of skipping it.
"""

import os
import shutil
from pathlib import Path

import pytest


def vnu_command() -> list[str] | None:
    java = shutil.which("java")
    candidates = [
        os.environ.get("VNU_JAR", ""),
        str(Path(__file__).resolve().parents[1] / "node_modules/vnu-jar/build/dist/vnu.jar"),
        "/tmp/node_modules/vnu-jar/build/dist/vnu.jar",  # noqa: S108 (where MACHINE.md installs it)
    ]
    jar = next((c for c in candidates if c and Path(c).exists()), None)
    return [java, "-jar", jar] if java and jar else None


def require_vnu() -> list[str]:
    """The command to run vnu; skips without it, except in CI, where it must be there."""
    command = vnu_command()
    if command is None:
        message = "the Nu HTML checker is not installed (npm i vnu-jar; set VNU_JAR)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}: .ci/run installs it, so CI must have it")
        pytest.skip(message)
    return command
