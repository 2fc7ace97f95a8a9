"""The import report: what was found, what changed, and what the office must look at."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from notifier.plans.catalogue import Catalogue
from notifier.plans.deadlines import DeadlineKind
from notifier.plans.drafts import ROLES, TaskDraft
from notifier.plans.metadata import PlanMetadata
from notifier.plans.models import Role
from notifier.plans.problems import Problem
from notifier.text import labels
from notifier.text.folding import fold
from notifier.units.directory import Directory

KIND_LABELS = labels.DEADLINE_KIND  # one table of words for deadline kinds (DeadlineKind is a str)


@dataclass(frozen=True)
class Change:
    key: str
    number: str
    fields: list[str]


@dataclass(frozen=True)
class Fidelity:
    """How completely the plan was understood, for the report's last line."""

    tasks: int
    deadlines_understood: int
    mentions: int  # unit names written in the lead and coordinating cells
    mentions_resolved: int

    @classmethod
    def of(cls, drafts: list[TaskDraft]) -> Fidelity:
        refs = [ref for d in drafts for role in ROLES for ref in d.refs[role]]
        understood = sum(1 for d in drafts if d.deadline.understood)
        return cls(len(drafts), understood, len(refs), sum(1 for ref in refs if ref.target))

    def line(self) -> str:
        return (
            f"Độ đầy đủ: đọc {self.tasks} nhiệm vụ; hiểu thời hạn {self.deadlines_understood}/{self.tasks}; "
            f"nhận ra tên đơn vị {self.mentions_resolved}/{self.mentions}"
        )


@dataclass
class ImportReport:
    plan_code: str
    plan: PlanMetadata
    plan_is_new: bool
    task_count: int
    columns: dict[str, str]
    deadline_kinds: dict[str, int]
    resolved: dict[str, int]
    unresolved: dict[str, list[str]]
    empty_groups: list[str]
    not_understood: list[Problem]
    problems: list[Problem]
    file: Path = Path()
    file_format: str = ""
    dry_run: bool = False
    added: list[str] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    unchanged: int = 0
    units_added: list[str] = field(default_factory=list)
    suggestions: dict[str, str] = field(default_factory=dict)  # unresolved name → closest known unit
    confirm_needed: str | None = None
    fidelity: Fidelity = field(default_factory=lambda: Fidelity(0, 0, 0, 0))

    @classmethod
    def start(
        cls,
        code: str,
        meta: PlanMetadata,
        is_new: bool,
        catalogue: Catalogue,
        drafts: list[TaskDraft],
        directory: Directory,
    ) -> ImportReport:
        resolved: Counter[str] = Counter()
        unresolved: dict[str, list[str]] = {}
        first_spelling: dict[str, str] = {}
        for draft in drafts:
            for role in ROLES:
                for ref in draft.refs[role]:
                    if ref.target:
                        resolved[ref.target] += 1
                        continue
                    written = first_spelling.setdefault(fold(ref.written), ref.written)
                    unresolved.setdefault(written, []).append(f"{draft.where} (mục {draft.number})")
        used_groups = {
            ref.target for d in drafts for role in ROLES for ref in d.refs[role] if ref.target in directory.groups
        }
        return cls(
            plan_code=code,
            plan=meta,
            plan_is_new=is_new,
            task_count=len(drafts),
            columns=catalogue.columns,
            deadline_kinds=dict(Counter(d.deadline.kind.value for d in drafts)),
            resolved=dict(resolved),
            unresolved=unresolved,
            empty_groups=sorted(g for g in used_groups if g and not directory.members(g)),
            not_understood=[_deadline_problem(d) for d in drafts if not d.deadline.understood],
            problems=list(catalogue.problems) + _unit_problems(drafts),
            fidelity=Fidelity.of(drafts),
        )

    def summary(self) -> dict[str, Any]:
        """The report as JSON-ready data (stored with each import and printed by ``--json``)."""
        p = self.plan
        return {
            "file": str(self.file),
            "format": self.file_format,
            "dry_run": self.dry_run,
            "plan": {
                "code": self.plan_code,
                "number": p.number,
                "title": p.title,
                "issuer": p.issuer,
                "date": p.issued_on.isoformat() if p.issued_on else None,
                "year": p.year,
                "decision": p.decision,
                "new": self.plan_is_new,
            },
            "tasks": self.task_count,
            "columns": self.columns,
            "deadline_kinds": self.deadline_kinds,
            "units_resolved": self.resolved,
            "units_unresolved": self.unresolved,
            "empty_groups": self.empty_groups,
            "deadlines_not_understood": [_problem_json(x) for x in self.not_understood],
            "problems": [_problem_json(x) for x in self.problems],
            "added": self.added,
            "changed": [{"key": c.key, "number": c.number, "fields": c.fields} for c in self.changed],
            "archived": self.archived,
            "restored": self.restored,
            "unchanged": self.unchanged,
            "units_added": self.units_added,
            "units_suggested": self.suggestions,
            "confirm_needed": self.confirm_needed,
            "fidelity": {
                "tasks": self.fidelity.tasks,
                "deadlines_understood": self.fidelity.deadlines_understood,
                "unit_mentions": self.fidelity.mentions,
                "unit_mentions_resolved": self.fidelity.mentions_resolved,
            },
        }


def _deadline_problem(draft: TaskDraft) -> Problem:
    return Problem("warning", f"{draft.where} (mục {draft.number})", draft.deadline.problem or "không hiểu thời hạn")


def _unit_problems(drafts: list[TaskDraft]) -> list[Problem]:
    return [
        Problem("warning", f"{d.where} (mục {d.number})", "không có cơ quan chủ trì")
        for d in drafts
        if not d.refs[Role.LEAD]
    ]


def _problem_json(problem: Problem) -> dict[str, str]:
    return {"level": problem.level, "where": problem.where, "message": problem.message}


def render_report(report: ImportReport) -> str:
    """The report as the office reads it, in Vietnamese."""
    lines = _plan_lines(report) + _change_lines(report) + _unit_lines(report) + _deadline_lines(report)
    notes = [p for p in report.problems if p.level != "info"]
    if notes:
        lines += ["", f"Cần xem lại ({len(notes)}):"] + [f"  - {p}" for p in notes]
    if report.confirm_needed:
        lines += ["", f"CẦN XÁC NHẬN: {report.confirm_needed}"]
    lines += ["", report.fidelity.line()]
    return "\n".join(lines)


def _plan_lines(report: ImportReport) -> list[str]:
    p = report.plan
    head = "XEM TRƯỚC (chưa ghi gì vào cơ sở dữ liệu)" if report.dry_run else "ĐÃ NHẬP KẾ HOẠCH"
    return [
        f"{head}: {report.file} ({labels.label(labels.FILE_FORMAT, report.file_format)})",
        f"  Mã kế hoạch: {report.plan_code}" + (" (mới)" if report.plan_is_new else " (đã có, cập nhật)"),
        f"  Số: {p.number or '(để trống)'}" + (f"; ban hành kèm theo Quyết định {p.decision}" if p.decision else ""),
        f"  Tên: {p.title}",
        f"  Cơ quan ban hành: {p.issuer or '(không rõ)'}",
        f"  Ngày: {f'{p.issued_on:%d/%m/%Y}' if p.issued_on else '(không ghi ngày)'}; năm: {p.year or '(không rõ)'}",
        f"  Số nhiệm vụ: {report.task_count}",
    ]


def _change_lines(report: ImportReport) -> list[str]:
    lines = [
        "",
        f"Thay đổi: thêm {len(report.added)}, sửa {len(report.changed)}, lưu trữ {len(report.archived)}, "
        f"khôi phục {len(report.restored)}, giữ nguyên {report.unchanged}",
    ]
    if not report.plan_is_new:
        lines += [f"  + {key}" for key in report.added]
        lines += [f"  ~ {c.key}: {', '.join(c.fields)}" for c in report.changed]
        lines += [f"  - {key} (lưu trữ, không xóa)" for key in report.archived]
    return lines


def _unit_lines(report: ImportReport) -> list[str]:
    lines = ["", f"Đơn vị đã nhận ra ({len(report.resolved)}):"]
    lines += [f"  - {name}: {count} lần" for name, count in sorted(report.resolved.items())]
    if report.units_added:
        lines += ["", f"Đơn vị mới thêm theo kế hoạch ({len(report.units_added)}):"]
        lines += [f"  + {name}" for name in report.units_added]
    if report.unresolved:
        lines += [
            "",
            f"Tên đơn vị chưa nhận ra ({len(report.unresolved)}) — gán cho đơn vị đã có: "
            'notifier units alias "TÊN" "TÊN CHUẨN"; hoặc thêm đơn vị mới: notifier units add "TÊN" '
            "(hoặc nhập lại với --add-units)",
        ]
        lines += [
            f"  - «{name}»: {', '.join(places[:3])}"
            + (" …" if len(places) > 3 else "")
            + (f" — gần giống «{report.suggestions[name]}»" if name in report.suggestions else "")
            for name, places in report.unresolved.items()
        ]
    lines += [f"  ! Nhóm «{g}» chưa có đơn vị nào trong config/units.yaml" for g in report.empty_groups]
    return lines


def _deadline_lines(report: ImportReport) -> list[str]:
    kinds = ", ".join(f"{KIND_LABELS[DeadlineKind(k)]} {n}" for k, n in sorted(report.deadline_kinds.items()))
    lines = ["", f"Thời hạn: {kinds}"]
    if report.not_understood:
        lines += [f"Thời hạn chưa hiểu ({len(report.not_understood)}) — đặt ngày bằng: notifier tasks set-due MÃ NGÀY"]
        lines += [f"  - {p}" for p in report.not_understood]
    return lines
