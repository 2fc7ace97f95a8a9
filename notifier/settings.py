"""One settings object, read from the environment and ``.env`` (the environment wins).

Every variable is documented in ``.env.example``. Each field names its variable (its alias) and
says how a value is read; a wrong value stops start-up with a message naming the variable.
pydantic-settings reads the process's environment and ``.env``; tests and benches hand
``load_settings`` a mapping instead, validated by the same model.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from dotenv import dotenv_values
from pydantic import BeforeValidator, Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from notifier.clock import parse_vietnam_time
from notifier.errors import ConfigError


def shipped(name: str) -> Path:
    """A folder notifier ships: beside the package in a checkout (templates/, config/), or under
    <prefix>/share/notifier/ where a wheel or a plain `pip install .` puts it."""
    package = Path(__file__).resolve().parent
    candidates = [package.parent / name]
    if len(package.parents) > 3:  # <prefix>/lib/pythonX.Y/site-packages/notifier
        candidates.append(package.parents[3] / "share" / "notifier" / name)
    candidates.append(Path(sys.prefix) / "share" / "notifier" / name)
    return next((c for c in candidates if c.is_dir()), candidates[0])


DEFAULT_TEMPLATES = shipped("templates")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
_SMTP_SECURITY = {"starttls": 587, "ssl": 465, "none": 25}


# How a variable's text becomes a value (in Annotated, the last BeforeValidator runs first). They
# see only text that was set (defaults are not validated unless a field says so, and empty values
# count as unset). Each raises ValueError with the Vietnamese message that follows the variable's
# name: "NOTIFIER_WEB_PORT: cần một số nguyên từ 0 đến 65535 (nhận «x»)".


def _between(low: int, high: int) -> BeforeValidator:
    def read(raw: object) -> int:
        try:
            value = int(str(raw).strip())
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            raise ValueError(f"cần một số nguyên từ {low} đến {high} (nhận «{raw}»)")
        return value

    return BeforeValidator(read)


def _one_of(choices: Mapping[str, Any]) -> BeforeValidator:
    def read(raw: object) -> Any:
        word = str(raw).strip()
        if word not in choices:
            raise ValueError(f"giá trị «{word}» không hợp lệ; chọn một trong: {', '.join(choices)}")
        return choices[word]

    return BeforeValidator(read)


def _url(raw: object) -> str:
    url = str(raw).strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"cần địa chỉ http:// hoặc https:// (nhận «{raw}»)")
    return url


def _text(raw: object) -> str | None:
    """Surrounding blanks dropped; nothing left means unset (MAIL_FROM's default, None, is checked too)."""
    return None if raw is None else str(raw).strip() or None


def _seconds(raw: object) -> tuple[float, ...]:
    try:
        values = tuple(float(part) for part in str(raw).split(","))
    except ValueError:
        values = ()
    if not values or any(v <= 0 for v in values):
        raise ValueError(f"cần các số giây dương cách nhau bởi dấu phẩy (nhận «{raw}»)")
    return values


def _moment(raw: object) -> datetime | None:
    if not str(raw).strip():
        return None
    try:
        return parse_vietnam_time(str(raw))
    except ValueError:
        raise ValueError(f"thời điểm «{raw}» không hợp lệ; viết như 2026-11-27T08:00") from None


def _folder(raw: object) -> Path:
    folder = Path(str(raw))
    if not folder.is_dir():
        raise ValueError(f"không có thư mục «{folder}»")
    return folder


def _file(raw: object) -> Path | None:
    if not str(raw).strip():
        return None
    path = Path(str(raw))
    if not path.is_file():
        raise ValueError(f"không có tệp «{path}»")
    return path


def _log_level(raw: object) -> str:
    level = str(raw).strip().upper()
    if level not in _LOG_LEVELS:
        raise ValueError(f"giá trị «{raw}» không hợp lệ; chọn một trong: {', '.join(_LOG_LEVELS)}")
    return level


def _config_dir() -> Path:
    """./config, else the defaults notifier ships (the office copies them to edit: the shipped
    ones belong to the installation)."""
    here = Path("config")
    return here if here.is_dir() else shipped("config")


Text = Annotated[str | None, BeforeValidator(_text)]
Url = Annotated[str, BeforeValidator(_url)]


def _env(name: str, default: Any = None, **more: Any) -> Any:
    """A field read from the variable ``name``."""
    if "default_factory" in more:
        return Field(alias=name, **more)
    return Field(default, alias=name, **more)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        frozen=True, extra="ignore", case_sensitive=True, env_ignore_empty=True, validate_default=False
    )

    data_dir: Path = _env("NOTIFIER_DATA_DIR", Path("data"))
    config_dir: Path = _env("NOTIFIER_CONFIG_DIR", default_factory=_config_dir)
    # Unset: a SQLite file in the data folder (filled in by the validator below).
    database_url: str = _env("DATABASE_URL", "", validate_default=True)
    before_means_day_before: Annotated[bool, _one_of({"on_day": False, "day_before": True})] = _env(
        "NOTIFIER_BEFORE_DATE_MEANS", False
    )
    log_level: Annotated[str, BeforeValidator(_log_level)] = _env("NOTIFIER_LOG_LEVEL", "INFO")
    templates_dir: Annotated[Path, BeforeValidator(_folder)] = _env(
        "NOTIFIER_TEMPLATES_DIR", DEFAULT_TEMPLATES, validate_default=True
    )
    console_file: Path | None = _env("NOTIFIER_CONSOLE_FILE")
    fixed_now: Annotated[datetime | None, BeforeValidator(_moment)] = _env("NOTIFIER_NOW")
    telegram_token: Text = _env("TELEGRAM_BOT_TOKEN")
    telegram_api_url: Url = _env("TELEGRAM_API_URL", "https://api.telegram.org")
    secret_key: Text = _env("NOTIFIER_SECRET_KEY")
    retry_seconds: Annotated[tuple[float, ...], NoDecode, BeforeValidator(_seconds)] = _env(
        "NOTIFIER_RETRY_SECONDS", (30.0, 120.0, 600.0, 1800.0, 3600.0)
    )
    smtp_host: Text = _env("SMTP_HOST")
    smtp_security: Annotated[str, _one_of({k: k for k in _SMTP_SECURITY}), BeforeValidator(str.lower)] = _env(
        "SMTP_SECURITY", "starttls"
    )
    # Unset: the security's usual port (587, 465, 25), filled in by the validator below.
    smtp_port: Annotated[int, _between(1, 65535)] = _env("SMTP_PORT", 587)
    smtp_user: Text = _env("SMTP_USER")
    smtp_password: str | None = _env("SMTP_PASSWORD")
    smtp_ca_file: Annotated[Path | None, BeforeValidator(_file)] = _env("SMTP_CA_FILE")
    mail_from: Text = _env("MAIL_FROM", validate_default=True)
    public_base_url: Annotated[str | None, BeforeValidator(_url)] = _env("PUBLIC_BASE_URL")
    ack_link_days: Annotated[int, _between(1, 365)] = _env("ACK_LINK_DAYS", 30)
    web_host: Annotated[str, BeforeValidator(str.strip)] = _env("NOTIFIER_WEB_HOST", "127.0.0.1")
    web_port: Annotated[int, _between(0, 65535)] = _env("NOTIFIER_WEB_PORT", 8080)
    zalo_token: Text = _env("ZALO_BOT_TOKEN")
    zalo_api_url: Url = _env("ZALO_API_URL", "https://bot-api.zaloplatforms.com")
    units_path: Path | None = _env("NOTIFIER_UNITS_FILE")  # None: units.yaml in the config folder
    plan_max_text_mb: Annotated[int, _between(1, 1024)] = _env("NOTIFIER_PLAN_MAX_TEXT_MB", 8)
    plan_max_document_mb: Annotated[int, _between(1, 1024)] = _env("NOTIFIER_PLAN_MAX_DOCUMENT_MB", 60)
    # How long a SQLite transaction waits for another's write lock.
    sqlite_busy_seconds: Annotated[int, _between(1, 3600)] = _env("NOTIFIER_SQLITE_BUSY_SECONDS", 30)
    tick_seconds: Annotated[int, _between(1, 3600)] = _env("NOTIFIER_TICK_SECONDS", 30)  # scan-and-send period
    # json: one JSON object per log line, for log collectors.
    json_logs: Annotated[bool, _one_of({"text": False, "json": True})] = _env("NOTIFIER_LOG_FORMAT", False)
    # Shorten chat ids and addresses in logs ("-1…42").
    log_mask_targets: Annotated[bool, _one_of({"yes": True, "no": False})] = _env("NOTIFIER_LOG_MASK_TARGETS", False)

    @field_validator("database_url", mode="before")
    @classmethod
    def _database(cls, raw: object, info: ValidationInfo) -> str:
        url = str(raw or "").strip()
        if not url:
            return f"sqlite:///{info.data.get('data_dir', Path('data')) / 'notifier.sqlite3'}"
        if url.startswith(("postgresql://", "postgres://")):
            # SQLAlchemy would pick psycopg2, which we do not ship; psycopg 3 is the driver.
            return "postgresql+psycopg://" + url.split("://", 1)[1]
        if url.startswith(("sqlite:", "postgresql+psycopg:")):
            return url
        raise ValueError(
            "chỉ hỗ trợ sqlite:///đường/dẫn hoặc postgresql://người_dùng@máy:cổng/csdl "
            f"(nhận được «{url.split('://', 1)[0]}://…»)"
        )

    @model_validator(mode="before")
    @classmethod
    def _usual_port(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("SMTP_PORT"):
            security = str(data.get("SMTP_SECURITY") or "starttls").strip().lower()
            return {**data, "SMTP_PORT": str(_SMTP_SECURITY.get(security, 587))}
        return data

    @field_validator("mail_from", mode="after")
    @classmethod
    def _sender(cls, sender: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("smtp_host") and (sender is None or "@" not in sender):
            raise ValueError("cần địa chỉ gửi thư (ví dụ nhacviec@thaitan.gov.vn) khi đã đặt SMTP_HOST")
        return sender

    @property
    def chat_channels(self) -> bool:
        """A chat or email channel is configured: the console then stops standing in for them."""
        return any(v is not None for v in (self.telegram_token, self.smtp_host, self.zalo_token))

    @property
    def configured_channels(self) -> frozenset[str]:
        """The chat and email channels whose settings are present."""
        values = {"telegram": self.telegram_token, "email": self.smtp_host, "zalo": self.zalo_token}
        return frozenset(name for name, value in values.items() if value is not None)

    @property
    def units_file(self) -> Path:
        return self.units_path or self.config_dir / "units.yaml"

    @property
    def policy_file(self) -> Path:
        return self.config_dir / "policy.yaml"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")) -> Settings:
    """The settings from the process's environment and ``env_file`` (the environment wins); with
    ``environ``, from that mapping instead of the process's environment."""
    found = env_file if env_file is not None and env_file.is_file() else None
    try:
        if environ is None:
            return Settings(_env_file=found)
        values = {k: v for k, v in dotenv_values(found).items() if v} if found else {}
        values.update({k: v for k, v in environ.items() if v})  # empty means unset, as for the process's
        return Settings.model_validate(values)
    except ValidationError as error:
        raise ConfigError(_first_problem(error)) from None


def _first_problem(error: ValidationError) -> str:
    """The first wrong variable, named, with our message (pydantic's own for anything else)."""
    problem = error.errors(include_url=False)[0]
    name = str(problem["loc"][0]) if problem["loc"] else "?"
    field = Settings.model_fields.get(name)
    name = field.alias if field is not None and field.alias else name  # a default checked: named by field
    cause = (problem.get("ctx") or {}).get("error")
    message = str(cause) if isinstance(cause, ValueError) else f"giá trị «{problem.get('input')}» không hợp lệ"
    return f"{name}: {message}"


PLACEHOLDER_SECRETS = {"change-me", "changeme", "secret", "please-change-me"}


def require_secret(settings: Settings) -> str:
    """The signing key of sessions, links and buttons. Unset on SQLite (one machine by nature),
    one is made once and kept in the data folder; PostgreSQL may serve several machines, which
    must all sign with the same key, so there it has to be set."""
    key = settings.secret_key
    if key is None and settings.is_sqlite:
        return _kept_secret(settings.data_dir / SECRET_FILE)
    if key is None or key.lower() in PLACEHOLDER_SECRETS or len(key) < 16:
        raise ConfigError(
            "NOTIFIER_SECRET_KEY: cần một chuỗi bí mật dài ít nhất 16 ký tự, giống nhau trên mọi máy dùng chung "
            "cơ sở dữ liệu (ví dụ tạo bằng: python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    return key


SECRET_FILE = "secret.key"


def _kept_secret(path: Path) -> str:
    try:
        if path.is_file():
            kept = path.read_text(encoding="ascii").strip()
            if len(kept) >= 16:
                return kept
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(32)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # readable by this account only
        with os.fdopen(descriptor, "w", encoding="ascii") as stream:
            stream.write(key + "\n")
        return key
    except (OSError, UnicodeError) as exc:
        raise ConfigError(
            f"NOTIFIER_SECRET_KEY: chưa đặt, và không giữ được khóa tự tạo ở «{path}» ({exc}); hãy đặt biến này"
        ) from None


def parse_moment(raw: str | None, name: str) -> datetime | None:
    """A moment given on the command line (``--now``, ``--at``), read as NOTIFIER_NOW is."""
    try:
        return _moment(raw or "")
    except ValueError as exc:
        raise ConfigError(f"{name}: {exc}") from None
