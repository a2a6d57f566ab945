#!/usr/bin/env python
"""Django's command-line tool, made to work as the README writes it.

- Run by a Python without Django (`python manage.py …` outside the virtualenv),
  it starts itself again with the project's `.venv/bin/python` when there is one.
- It reads `.env` beside it (written by `make run` for development) without
  overriding variables already set, so `python manage.py export_episode`
  works after `make run` with no exports; production sets real variables.
- A setting that is missing or wrong is one clear line, not a traceback.
"""

import os
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
VENV_PYTHON = BASE_DIR / ".venv" / "bin" / "python"


def _django_or_venv() -> None:
    try:
        import django  # noqa: F401
    except ImportError:
        # A venv's python is a link to the base interpreter: compare prefixes, not files.
        in_venv = Path(sys.prefix).resolve() == VENV_PYTHON.parent.parent.resolve()
        if VENV_PYTHON.exists() and not in_venv:
            os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), *sys.argv])  # noqa: S606
        sys.exit("Django is not installed here. Run `make run` (or `make install`) first.")


def main() -> None:
    _django_or_venv()
    from django.core.exceptions import ImproperlyConfigured
    from dotenv import load_dotenv

    load_dotenv(BASE_DIR / ".env", override=False)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as error:
        sys.exit(f"Configuration error: {error}")


if __name__ == "__main__":
    main()
