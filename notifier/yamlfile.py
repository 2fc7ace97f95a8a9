"""Reading the office's YAML files (units, policy): one mapping, or an error that names the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from notifier.errors import InputError


def load_mapping(path: Path, expected: str) -> dict[str, Any]:
    """The file's top-level mapping; ``expected`` says what it should hold, for the error message."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: tệp YAML không đọc được: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: {expected}")
    return data
