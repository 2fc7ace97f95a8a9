#!/usr/bin/env python3
"""Set-up and the two everyday jobs, needing nothing but python3.

    python3 tools/dev.py run    # install into .venv, then run notifier on the embedded default
    python3 tools/dev.py test   # install into .venv with test tools, then lint, type-check and test

The virtual environment lives in .venv beside this repository; it is rebuilt
only when pyproject.toml changes. Extra arguments after `test` go to pytest.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


NEEDED = (3, 11)


def python_problem(version: tuple[int, ...]) -> str | None:
    if tuple(version[:2]) < NEEDED:
        return f"notifier needs Python {NEEDED[0]}.{NEEDED[1]} or newer; this is Python {version[0]}.{version[1]}"
    return None


def venv_is_current(folder: Path, version: tuple[int, ...]) -> bool:
    """The .venv exists, works, and was made by this Python (major.minor): one made by another
    Python, or left half-made, is rebuilt."""
    config = folder / "pyvenv.cfg"
    if not config.is_file() or not (folder / BIN.name / "python").exists():
        return False
    for line in config.read_text(encoding="utf-8", errors="replace").splitlines():
        key, _, value = line.partition("=")
        if key.strip() in ("version", "version_info"):
            return value.strip().split(".")[:2] == [str(version[0]), str(version[1])]
    return False


def ensure_environment(extras: str) -> None:
    stamp = VENV / f".installed-{extras or 'base'}"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    current = venv_is_current(VENV, tuple(sys.version_info))
    if current and stamp.exists() and stamp.read_text() == wanted:
        return
    if not current:
        if VENV.exists():
            print("Rebuilding .venv (made by another Python, or incomplete) …", flush=True)
            shutil.rmtree(VENV)
        print("Creating .venv …", flush=True)
        try:
            venv.EnvBuilder(with_pip=True).create(VENV)
        except BaseException:
            shutil.rmtree(VENV, ignore_errors=True)  # never leave a half-made .venv behind
            raise
    target = f".[{extras}]" if extras else "."
    print(f"Installing notifier{f' with {extras} tools' if extras else ''} into .venv …", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--editable", target], cwd=ROOT, check=True)
    stamp.write_text(wanted)


def run_main(args: list[str]) -> int:
    ensure_environment("")
    command = args or ["demo"]
    return subprocess.run([str(BIN / "notifier"), *command], cwd=ROOT).returncode


def run_tests(args: list[str]) -> int:
    ensure_environment("test")
    steps = [
        [str(BIN / "ruff"), "check", "notifier", "tests", "tools", "bench"],
        [str(BIN / "mypy"), "notifier"],
        [str(BIN / "python"), "-m", "pytest", *args],
    ]
    for step in steps:
        print("$", " ".join(Path(step[0]).name if i == 0 else part for i, part in enumerate(step)), flush=True)
        code = subprocess.run(step, cwd=ROOT).returncode
        if code != 0:
            return code
    return 0


def main() -> int:
    problem = python_problem(tuple(sys.version_info))
    if problem:
        print(problem, file=sys.stderr)
        return 2
    if len(sys.argv) < 2 or sys.argv[1] not in ("run", "test"):
        print(__doc__)
        return 2
    job, rest = sys.argv[1], sys.argv[2:]
    return run_main(rest) if job == "run" else run_tests(rest)


if __name__ == "__main__":
    sys.exit(main())
