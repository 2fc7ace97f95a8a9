"""Reading the office's YAML files (units, policy): one mapping checked against its model, or an
error that names the file, the entry and the field."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, BeforeValidator, ValidationError

from notifier.errors import InputError

Model = TypeVar("Model", bound=BaseModel)

# A key with nothing under it (YAML's null) read as an empty list or table.
NULL_IS_EMPTY_LIST = BeforeValidator(lambda value: [] if value is None else value)
NULL_IS_EMPTY_TABLE = BeforeValidator(lambda value: {} if value is None else value)

# pydantic's own checks, said the way the office's other messages say them.
_KINDS = {
    "string_type": "cần một chuỗi",
    "list_type": "cần một danh sách",
    "tuple_type": "cần một danh sách",
    "dict_type": "cần một bảng khóa - giá trị",
    "model_type": "cần một bảng khóa - giá trị",
    "model_attributes_type": "cần một bảng khóa - giá trị",
    "int_type": "cần một số nguyên",
    "int_parsing": "cần một số nguyên",
    "int_from_float": "cần một số nguyên",
    "float_type": "cần một số",
    "float_parsing": "cần một số",
    "bool_type": "cần true hoặc false",
    "bool_parsing": "cần true hoặc false",
}


def load_mapping(path: Path, expected: str) -> dict[str, Any]:
    """The file's top-level mapping; ``expected`` says what it should hold, for the error message."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: tệp YAML không đọc được: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: {expected}")
    return data


def load_model(path: Path, model: type[Model], expected: str) -> Model:
    """The file read into ``model``; the first problem named by file, entry and field."""
    try:
        return model.model_validate(load_mapping(path, expected))
    except ValidationError as error:
        raise InputError(f"{path}: {first_problem(error)}") from None


def first_problem(error: ValidationError) -> str:
    """«units[1]: thiếu trường 'name'», «periodic_report.deadline_day: ngày trong tháng 1-31 (nhận «40»)»."""
    problem = error.errors(include_url=False)[0]
    loc = list(problem["loc"])
    if problem["type"] == "missing":
        return f"{where(loc[:-1]) or '(tệp)'}: thiếu trường '{loc[-1]}'"
    cause = (problem.get("ctx") or {}).get("error")
    if isinstance(cause, ValueError):
        message = str(cause)
    else:
        message = f"{_KINDS.get(problem['type'], 'giá trị không hợp lệ')} (nhận «{problem.get('input')}»)"
    return f"{where(loc)}: {message}" if loc else message


def where(loc: Sequence[int | str]) -> str:
    """("units", 1, "name") → "units[1].name"."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
