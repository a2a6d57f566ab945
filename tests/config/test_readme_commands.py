"""The README's `python manage.py …` commands work as written, from any Python."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The interpreter a newcomer types `python` for: the base one, outside the virtualenv.
BASE_PYTHON = Path(sys.base_prefix) / "bin" / "python3"


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "VIRTUAL_ENV"))}
    clean.pop("DATABASE_URL", None)
    return subprocess.run(
        [str(BASE_PYTHON), "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


pytestmark = pytest.mark.skipif(
    not BASE_PYTHON.exists() or (ROOT / ".env").exists(),
    reason="needs the base interpreter and no local .env",
)


def test_manage_py_runs_in_the_virtualenv_when_started_by_another_python():
    result = run_manage("export_episode", "--help", DJANGO_DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert "--format" in result.stdout


def test_a_missing_secret_key_is_one_clear_line_not_a_traceback():
    result = run_manage("check")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "Configuration error: DJANGO_SECRET_KEY is not set" in result.stderr
