"""compose.yaml is a faithful mirror of what the replica tests run: PostgreSQL, and two
`notifier run` replicas sharing its address, one .env and the image's config, each serving the
pages. No Docker engine runs on these machines: `docker compose config` validates the file where
Compose is installed, and the structure is checked everywhere."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from notifier.settings import load_settings
from tests.conftest import ROOT

COMPOSE = ROOT / "compose.yaml"


def _services() -> dict[str, Any]:
    services: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]
    return services


def _replicas() -> dict[str, Any]:
    return {name: s for name, s in _services().items() if s.get("command", [])[:2] == ["notifier", "run"]}


def test_compose_runs_two_replicas_on_one_postgresql_with_the_same_settings() -> None:
    replicas = _replicas()
    assert len(replicas) >= 2
    environments = [s["environment"] for s in replicas.values()]
    assert all(e == environments[0] for e in environments)  # same database, same settings
    assert all(s["env_file"] == ".env" for s in replicas.values())  # the same secret key and tokens
    assert (
        environments[0]["DATABASE_URL"].startswith("postgresql://")
        and "@postgres:5432/" in environments[0]["DATABASE_URL"]
    )
    assert all(s["depends_on"]["postgres"]["condition"] == "service_healthy" for s in replicas.values())
    assert "healthcheck" in _services()["postgres"]
    published = [port for s in replicas.values() for port in s["ports"]]
    assert len({p.split(":")[0] for p in published}) == len(published)  # each replica's pages on its own port


def test_every_variable_compose_sets_is_a_documented_setting_with_a_valid_value(tmp_path: Path) -> None:
    environment = next(iter(_replicas().values()))["environment"]
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    assert all(re.search(rf"^{name}=", example, re.M) for name in environment)
    values = {k: re.sub(r"\$\{[^}]*\}", "secret", str(v)) for k, v in environment.items()}
    settings = load_settings({**values, "NOTIFIER_CONFIG_DIR": str(ROOT / "config")}, env_file=None)
    assert (settings.web_host, settings.web_port, settings.json_logs) == ("0.0.0.0", 8080, True)


@pytest.mark.skipif(
    shutil.which("docker") is None
    or subprocess.run(["docker", "compose", "version"], capture_output=True).returncode != 0,
    reason="Docker Compose is not installed",
)
def test_docker_compose_accepts_the_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("POSTGRES_PASSWORD=secret\nNOTIFIER_SECRET_KEY=x\n", encoding="utf-8")
    result = subprocess.run(
        ["docker", "compose", "--project-directory", str(tmp_path), "-f", str(COMPOSE), "config", "--quiet"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
