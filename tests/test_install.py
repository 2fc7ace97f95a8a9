"""notifier installed from a wheel (not editable, not from the checkout) finds its templates and
default config and runs the demo in a folder that holds nothing of the source tree."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from tests.conftest import ROOT

SOURCES = ["pyproject.toml", "README.md", "notifier", "templates", "config"]


def _run(*command: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_a_wheel_install_runs_the_demo_outside_the_checkout(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    for name in SOURCES:  # a copy: building must not leave build/ or egg-info in the checkout
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(ROOT / name, source / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    _run(*pip, "wheel", "--no-deps", "-w", str(tmp_path / "dist"), str(source), cwd=tmp_path)
    wheel = next((tmp_path / "dist").glob("notifier-*.whl"))
    prefix = tmp_path / "prefix"
    # --ignore-installed: without it pip would first uninstall the checkout's own (editable) notifier
    # from the environment running the tests, and every later test starting `python -m notifier` fails.
    _run(*pip, "install", "--no-deps", "--ignore-installed", "--prefix", str(prefix), str(wheel), cwd=tmp_path)
    site = sysconfig.get_path("purelib", vars={"base": str(prefix), "platbase": str(prefix)})
    elsewhere = tmp_path / "office"
    elsewhere.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("NOTIFIER_", "DATABASE_URL"))},
        "PYTHONPATH": site,  # ahead of the checkout's editable install
        "NOTIFIER_NOW": "2026-11-27T08:00",
    }
    where = _run(sys.executable, "-c", "import notifier; print(notifier.__file__)", cwd=elsewhere, env=env)
    assert where.stdout.strip().startswith(site), where.stdout
    demo = _run(sys.executable, "-m", "notifier", "demo", cwd=elsewhere, env=env)
    assert "ĐÃ NHẬP KẾ HOẠCH" in demo.stdout and "[Nhắc việc]" in demo.stdout, demo.stdout[-2000:]
    assert not (elsewhere / "config").exists() and (elsewhere / "data").is_dir()
    still = _run(sys.executable, "-c", "import notifier; print(notifier.__file__)", cwd=elsewhere)
    assert still.stdout.strip() == str(ROOT / "notifier" / "__init__.py")  # the checkout's install is intact
