"""Hand-made plans: CSV with a header row, and YAML with a ``plan`` and a ``tasks`` list."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from notifier.errors import InputError
from notifier.plans.document import PlanHints, RawRow, SourceDocument
from notifier.plans.readers.limits import MAX_COLUMNS, check_rows
from notifier.text.folding import nfc

# The header YAML tasks are written under; the catalogue parser reads it like any other.
YAML_COLUMNS = {
    "number": "TT",
    "title": "Nhiệm vụ",
    "lead": "Cơ quan chủ trì",
    "coordinating": "Cơ quan phối hợp",
    "deadline": "Thời gian thực hiện",
}


def read_csv(path: Path, text: str) -> SourceDocument:
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    doc = SourceDocument(path=path, format="csv")
    try:
        for number, cells in enumerate(csv.reader(io.StringIO(nfc(text)), dialect), start=1):
            check_rows(path, number)
            doc.rows.append(RawRow(tuple(c.strip() for c in cells[:MAX_COLUMNS]), f"hàng {number}"))
    except csv.Error as exc:  # a field over the csv module's limit, a stray NUL…
        raise InputError(f"{path}: hàng {len(doc.rows) + 1}: CSV không đọc được: {exc}") from None
    return doc


class _NoAliasLoader(yaml.SafeLoader):
    """A plan needs no YAML anchors: refusing aliases stops "billion laughs" and recursive data."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(None, None, "bí danh YAML (*) không được dùng", None)
        return super().compose_node(parent, index)


def read_yaml(path: Path, text: str) -> SourceDocument:
    try:
        data = yaml.load(text, Loader=_NoAliasLoader)
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: YAML không đọc được: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("tasks"), list):
        raise InputError(f"{path}: cần mục 'tasks' là danh sách nhiệm vụ")
    doc = SourceDocument(path=path, format="yaml", hints=_hints(path, data.get("plan") or {}))
    extras = _extra_keys(data["tasks"])
    doc.rows.append(RawRow((*YAML_COLUMNS.values(), *extras), "tasks"))
    for i, task in enumerate(data["tasks"]):
        doc.rows.append(_task_row(path, i, task, extras))
    return doc


def _hints(path: Path, plan: Any) -> PlanHints:
    if not isinstance(plan, dict):
        raise InputError(f"{path}: mục 'plan' phải là bảng khóa - giá trị")
    raw_date = plan.get("date")
    year = plan.get("year")
    if year is not None and not isinstance(year, int):
        raise InputError(f"{path}: plan.year phải là số năm, ví dụ 2026")
    return PlanHints(
        number=_scalar(plan.get("number")) or None,
        title=_scalar(plan.get("title")) or None,
        issuer=_scalar(plan.get("issuer")) or None,
        date_text=raw_date.strftime("%d/%m/%Y") if isinstance(raw_date, date) else _scalar(raw_date) or None,
        year=year,
    )


def _extra_keys(tasks: list[Any]) -> list[str]:
    keys: dict[str, None] = {}
    for task in tasks:
        if isinstance(task, dict):
            keys.update((str(k), None) for k in task if k not in YAML_COLUMNS and k != "section")
    return list(keys)


def _task_row(path: Path, index: int, task: Any, extras: list[str]) -> RawRow:
    where = f"tasks[{index}]"
    if not isinstance(task, dict):
        raise InputError(f"{path}: {where}: mỗi nhiệm vụ phải là bảng khóa - giá trị")
    if "section" in task:
        return RawRow((_scalar(task.get("number")), _scalar(task["section"])), where)
    if not _scalar(task.get("title")):
        raise InputError(f"{path}: {where}: thiếu trường 'title'")
    values = [_scalar(task.get(key)) for key in YAML_COLUMNS]
    return RawRow((*values, *(_scalar(task.get(k)) for k in extras)), where)


def _scalar(value: Any) -> str:
    """Text of a YAML value; a list of units becomes one cell with one unit per line."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(_scalar(v) for v in value)
    if isinstance(value, date):
        return f"{value.day}/{value.month}/{value.year}"
    return nfc(str(value)).strip()
