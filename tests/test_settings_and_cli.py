"""Settings read from the environment and .env; the installed `notifier` command end to end."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from notifier.errors import ConfigError
from notifier.settings import load_settings
from tests.conftest import SAMPLE


def test_defaults_are_a_sqlite_file_in_data_and_config_folder(tmp_path: Path) -> None:
    settings = load_settings({}, env_file=None)
    assert settings.database_url == "sqlite:///data/notifier.sqlite3"
    assert settings.units_file == Path("config/units.yaml")
    assert not settings.before_means_day_before
    assert (settings.mail_from, settings.telegram_token, settings.fixed_now) == (None, None, None)


def test_dot_env_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("NOTIFIER_DATA_DIR=/srv/nv\nNOTIFIER_BEFORE_DATE_MEANS=day_before\n", encoding="utf-8")
    settings = load_settings({"NOTIFIER_BEFORE_DATE_MEANS": "on_day"}, env_file=env_file)
    assert settings.database_url == "sqlite:////srv/nv/notifier.sqlite3"
    assert not settings.before_means_day_before


def test_postgres_urls_use_the_shipped_driver() -> None:
    settings = load_settings({"DATABASE_URL": "postgresql://u@db:5432/nv"}, env_file=None)
    assert settings.database_url == "postgresql+psycopg://u@db:5432/nv"


@pytest.mark.parametrize(
    ("variable", "value"),
    [("DATABASE_URL", "mysql://x"), ("NOTIFIER_BEFORE_DATE_MEANS", "sometimes"), ("NOTIFIER_LOG_LEVEL", "loud")],
)
def test_a_wrong_value_names_its_variable(variable: str, value: str) -> None:
    with pytest.raises(ConfigError, match=variable):
        load_settings({variable: value}, env_file=None)


def test_the_process_environment_wins_over_dot_env_and_foreign_variables_are_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "NOTIFIER_LOG_LEVEL=warning\nNOTIFIER_RETRY_SECONDS=5,10\nPOSTGRES_PASSWORD=x\nNOTIFIER_WEB_PORT=9000\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("NOTIFIER_WEB_PORT", "9100")
    monkeypatch.setenv("NOTIFIER_TICK_SECONDS", "")  # set but empty: unset, the default holds
    settings = load_settings(env_file=env_file)
    assert (settings.log_level, settings.retry_seconds) == ("WARNING", (5.0, 10.0))
    assert (settings.web_port, settings.tick_seconds) == (9100, 30)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"SMTP_HOST": "mail.example.vn"}, "MAIL_FROM: cần địa chỉ gửi thư"),
        ({"SMTP_SECURITY": "tls"}, "SMTP_SECURITY: giá trị «tls» không hợp lệ"),
        ({"NOTIFIER_WEB_PORT": "http"}, "NOTIFIER_WEB_PORT: cần một số nguyên từ 0 đến 65535 (nhận «http»)"),
        ({"NOTIFIER_RETRY_SECONDS": "30,-1"}, "NOTIFIER_RETRY_SECONDS: cần các số giây dương"),
    ],
)
def test_the_message_names_the_variable_even_when_another_one_made_it_wrong(
    values: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(values, env_file=None)
    assert str(raised.value).startswith(message)


def test_the_smtp_port_follows_the_security_unless_set() -> None:
    ports = [
        load_settings({"SMTP_SECURITY": security, **more}, env_file=None).smtp_port
        for security, more in [("ssl", {}), ("none", {}), ("starttls", {}), ("ssl", {"SMTP_PORT": "2465"})]
    ]
    assert ports == [465, 25, 587, 2465]


def _notifier(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "notifier", *args]
    return subprocess.run(command, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True)


def test_the_command_runs_import_then_lists_tasks(workdir: Path) -> None:
    imported = _notifier(workdir, "import", str(SAMPLE))
    assert imported.returncode == 0, imported.stderr
    assert "Số nhiệm vụ: 24" in imported.stdout
    listed = _notifier(workdir, "tasks")
    assert listed.returncode == 0 and "(24 nhiệm vụ)" in listed.stdout


def test_a_bad_setting_stops_the_command_with_exit_2_and_a_named_variable(workdir: Path) -> None:
    result = _notifier(workdir, "tasks", env={"NOTIFIER_LOG_LEVEL": "chatty"})
    assert result.returncode == 2
    assert result.stderr.startswith("Lỗi: NOTIFIER_LOG_LEVEL")
    assert "Traceback" not in result.stderr


def test_demo_imports_the_bundled_sample(workdir: Path) -> None:
    result = _notifier(workdir, "demo")
    assert result.returncode == 0, result.stderr
    assert "KH-dan-van-2026:3.3.d" in result.stdout and "(24 nhiệm vụ)" in result.stdout


def test_every_variable_the_settings_read_is_documented_in_env_example() -> None:
    root = Path(__file__).resolve().parent.parent
    source = (root / "notifier" / "settings.py").read_text(encoding="utf-8")
    example = (root / ".env.example").read_text(encoding="utf-8")
    import re

    variables = set(re.findall(r'"((?:NOTIFIER|DATABASE)_[A-Z_]+)"', source))
    assert variables >= {"DATABASE_URL", "NOTIFIER_DATA_DIR", "NOTIFIER_NOW", "NOTIFIER_CONSOLE_FILE"}
    assert {v for v in variables if f"\n{v}=" not in example} == set()


def test_env_example_copied_to_dot_env_is_a_valid_configuration(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent
    settings = load_settings({}, env_file=root / ".env.example")
    assert settings.database_url == "sqlite:///data/notifier.sqlite3"
    assert not settings.chat_channels and settings.fixed_now is None
