"""tools/dev.py, the README's two commands: a Python too old is told so before anything is made,
and a .venv made by another Python (or left half-made) is rebuilt, not used."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from tests.conftest import ROOT


def _dev() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dev_tool", ROOT / "tools" / "dev.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_an_older_python_is_told_what_is_needed() -> None:
    dev = _dev()
    assert dev.python_problem((3, 10, 12)) == "notifier needs Python 3.11 or newer; this is Python 3.10"
    assert dev.python_problem((3, 11, 0)) is None and dev.python_problem((3, 13, 1)) is None


def test_a_venv_of_another_python_or_half_made_is_not_current(tmp_path: Path) -> None:
    dev = _dev()
    now = tuple(sys.version_info)
    venv = tmp_path / ".venv"
    assert not dev.venv_is_current(venv, now)  # none yet
    (venv / dev.BIN.name).mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text(f"home = /x\nversion = {now[0]}.{now[1]}.0\n", encoding="utf-8")
    assert not dev.venv_is_current(venv, now)  # half-made: no interpreter in it
    (venv / dev.BIN.name / "python").write_text("", encoding="utf-8")
    assert dev.venv_is_current(venv, now)
    (venv / "pyvenv.cfg").write_text("home = /x\nversion = 3.9.18\n", encoding="utf-8")
    assert not dev.venv_is_current(venv, now)
