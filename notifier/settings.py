"""One settings object, read from the environment and ``.env`` (the environment wins).

Every variable is documented in ``.env.example``. A wrong value stops start-up
with a message naming the variable.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from notifier.clock import parse_vietnam_time
from notifier.errors import ConfigError

_BEFORE_CHOICES = {"on_day": False, "day_before": True}
# The repository's templates/ when running from a checkout; elsewhere NOTIFIER_TEMPLATES_DIR says.
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
_JSON_LOGS = {"text": False, "json": True}
_YES_NO = {"yes": True, "no": False}


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    config_dir: Path
    database_url: str
    before_means_day_before: bool
    log_level: str
    templates_dir: Path = DEFAULT_TEMPLATES
    console_file: Path | None = None
    fixed_now: datetime | None = None
    telegram_token: str | None = None
    telegram_api_url: str = "https://api.telegram.org"
    secret_key: str | None = None
    retry_seconds: tuple[float, ...] = (30.0, 120.0, 600.0, 1800.0, 3600.0)
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_security: str = "starttls"
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_ca_file: Path | None = None
    mail_from: str | None = None
    public_base_url: str | None = None
    ack_link_days: int = 30
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    zalo_token: str | None = None
    zalo_api_url: str = "https://bot-api.zaloplatforms.com"
    units_path: Path | None = None  # NOTIFIER_UNITS_FILE; None: units.yaml in the config folder
    plan_max_text_mb: int = 8
    plan_max_document_mb: int = 60
    sqlite_busy_seconds: int = 30  # how long a SQLite transaction waits for another's write lock
    tick_seconds: int = 30  # how often the daemon scans and sends
    json_logs: bool = False  # NOTIFIER_LOG_FORMAT=json: one JSON object per line, for log collectors
    log_mask_targets: bool = False  # shorten chat ids and addresses in logs ("-1…42")

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
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)
    data_dir = Path(values.get("NOTIFIER_DATA_DIR") or "data")
    return Settings(
        data_dir=data_dir,
        config_dir=_config_dir(values.get("NOTIFIER_CONFIG_DIR")),
        database_url=_database_url(values.get("DATABASE_URL", ""), data_dir),
        before_means_day_before=_choice(values, "NOTIFIER_BEFORE_DATE_MEANS", "on_day", _BEFORE_CHOICES),
        log_level=_log_level(values.get("NOTIFIER_LOG_LEVEL") or "INFO"),
        templates_dir=_folder(values.get("NOTIFIER_TEMPLATES_DIR"), DEFAULT_TEMPLATES, "NOTIFIER_TEMPLATES_DIR"),
        console_file=Path(values["NOTIFIER_CONSOLE_FILE"]) if values.get("NOTIFIER_CONSOLE_FILE") else None,
        fixed_now=parse_moment(values.get("NOTIFIER_NOW"), "NOTIFIER_NOW"),
        telegram_token=(values.get("TELEGRAM_BOT_TOKEN") or "").strip() or None,
        telegram_api_url=_url(values.get("TELEGRAM_API_URL") or "https://api.telegram.org", "TELEGRAM_API_URL"),
        secret_key=(values.get("NOTIFIER_SECRET_KEY") or "").strip() or None,
        retry_seconds=_seconds(values.get("NOTIFIER_RETRY_SECONDS") or "30,120,600,1800,3600"),
        **_smtp(values),
        public_base_url=_url(values["PUBLIC_BASE_URL"], "PUBLIC_BASE_URL") if values.get("PUBLIC_BASE_URL") else None,
        ack_link_days=_int(values.get("ACK_LINK_DAYS") or "30", "ACK_LINK_DAYS", 1, 365),
        web_host=(values.get("NOTIFIER_WEB_HOST") or "127.0.0.1").strip(),
        web_port=_int(values.get("NOTIFIER_WEB_PORT") or "8080", "NOTIFIER_WEB_PORT", 0, 65535),
        zalo_token=(values.get("ZALO_BOT_TOKEN") or "").strip() or None,
        zalo_api_url=_url(values.get("ZALO_API_URL") or "https://bot-api.zaloplatforms.com", "ZALO_API_URL"),
        units_path=Path(values["NOTIFIER_UNITS_FILE"]) if values.get("NOTIFIER_UNITS_FILE") else None,
        plan_max_text_mb=_int(values.get("NOTIFIER_PLAN_MAX_TEXT_MB") or "8", "NOTIFIER_PLAN_MAX_TEXT_MB", 1, 1024),
        plan_max_document_mb=_int(
            values.get("NOTIFIER_PLAN_MAX_DOCUMENT_MB") or "60", "NOTIFIER_PLAN_MAX_DOCUMENT_MB", 1, 1024
        ),
        sqlite_busy_seconds=_int(
            values.get("NOTIFIER_SQLITE_BUSY_SECONDS") or "30", "NOTIFIER_SQLITE_BUSY_SECONDS", 1, 3600
        ),
        tick_seconds=_int(values.get("NOTIFIER_TICK_SECONDS") or "30", "NOTIFIER_TICK_SECONDS", 1, 3600),
        json_logs=_choice(values, "NOTIFIER_LOG_FORMAT", "text", _JSON_LOGS),
        log_mask_targets=_choice(values, "NOTIFIER_LOG_MASK_TARGETS", "no", _YES_NO),
    )


_SMTP_SECURITY = {"starttls": 587, "ssl": 465, "none": 25}


def _smtp(values: Mapping[str, str]) -> dict[str, Any]:
    host = (values.get("SMTP_HOST") or "").strip() or None
    security = (values.get("SMTP_SECURITY") or "starttls").strip().lower()
    if security not in _SMTP_SECURITY:
        raise ConfigError(f"SMTP_SECURITY: «{security}» không hợp lệ; chọn một trong: starttls, ssl, none")
    sender = (values.get("MAIL_FROM") or "").strip() or None
    if host and (sender is None or "@" not in sender):
        raise ConfigError("MAIL_FROM: cần địa chỉ gửi thư (ví dụ nhacviec@thaitan.gov.vn) khi đã đặt SMTP_HOST")
    ca_file = Path(values["SMTP_CA_FILE"]) if values.get("SMTP_CA_FILE") else None
    if ca_file is not None and not ca_file.is_file():
        raise ConfigError(f"SMTP_CA_FILE: không có tệp «{ca_file}»")
    return {
        "smtp_host": host,
        "smtp_port": _int(values.get("SMTP_PORT") or str(_SMTP_SECURITY[security]), "SMTP_PORT", 1, 65535),
        "smtp_security": security,
        "smtp_user": (values.get("SMTP_USER") or "").strip() or None,
        "smtp_password": values.get("SMTP_PASSWORD") or None,
        "smtp_ca_file": ca_file,
        "mail_from": sender,
    }


def _int(raw: str, name: str, low: int, high: int) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise ConfigError(f"{name}: cần một số nguyên từ {low} đến {high} (nhận «{raw}»)")
    return value


def _url(raw: str, name: str) -> str:
    url = raw.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"{name}: cần địa chỉ http:// hoặc https:// (nhận «{raw}»)")
    return url


def _seconds(raw: str) -> tuple[float, ...]:
    try:
        values = tuple(float(part) for part in raw.split(","))
    except ValueError:
        values = ()
    if not values or any(v <= 0 for v in values):
        raise ConfigError(f"NOTIFIER_RETRY_SECONDS: cần các số giây dương cách nhau bởi dấu phẩy (nhận «{raw}»)")
    return values


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
    if not raw or not raw.strip():
        return None
    try:
        return parse_vietnam_time(raw)
    except ValueError:
        raise ConfigError(f"{name}: thời điểm «{raw}» không hợp lệ; viết như 2026-11-27T08:00") from None


def _config_dir(raw: str | None) -> Path:
    """NOTIFIER_CONFIG_DIR, else ./config, else the defaults notifier ships (the office copies them
    to edit: the shipped ones belong to the installation)."""
    if raw:
        return Path(raw)
    here = Path("config")
    return here if here.is_dir() else shipped("config")


def _folder(raw: str | None, default: Path, name: str) -> Path:
    folder = Path(raw) if raw else default
    if not folder.is_dir():
        raise ConfigError(f"{name}: không có thư mục «{folder}»")
    return folder


def _database_url(raw: str, data_dir: Path) -> str:
    url = raw.strip()
    if not url:
        return f"sqlite:///{data_dir / 'notifier.sqlite3'}"
    if url.startswith(("postgresql://", "postgres://")):
        # SQLAlchemy would pick psycopg2, which we do not ship; psycopg 3 is the driver.
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith(("sqlite:", "postgresql+psycopg:")):
        return url
    raise ConfigError(
        "DATABASE_URL: chỉ hỗ trợ sqlite:///đường/dẫn hoặc postgresql://người_dùng@máy:cổng/csdl "
        f"(nhận được «{url.split('://', 1)[0]}://…»)"
    )


def _choice(values: Mapping[str, str], name: str, default: str, choices: Mapping[str, bool]) -> bool:
    raw = (values.get(name) or default).strip()
    if raw not in choices:
        raise ConfigError(f"{name}: giá trị «{raw}» không hợp lệ; chọn một trong: {', '.join(choices)}")
    return choices[raw]


def _log_level(raw: str) -> str:
    level = raw.strip().upper()
    if level not in _LOG_LEVELS:
        raise ConfigError(f"NOTIFIER_LOG_LEVEL: giá trị «{raw}» không hợp lệ; chọn một trong: {', '.join(_LOG_LEVELS)}")
    return level
