"""How the process logs: readable lines by default, JSON lines (NOTIFIER_LOG_FORMAT=json) for log
collectors such as Loki or Elasticsearch, which then need no parsing rules of their own."""

from __future__ import annotations

import json
import logging
import os
import socket
from datetime import UTC, datetime

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
QUIET = ("alembic", "apscheduler", "httpx")  # httpx would log every Bot API address, token included


class JsonLines(logging.Formatter):
    """One JSON object per record: time (UTC, ISO), level, logger, message, process, and the
    exception's traceback when there is one. Vietnamese text stays readable (no \\u escapes)."""

    def __init__(self) -> None:
        super().__init__()
        self.process = f"{socket.gethostname()}:{os.getpid()}"

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": self.process,
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str, *, json_lines: bool) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLines() if json_lines else logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=level, handlers=[handler])
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
