"""The task catalogue (DANH MỤC nhiệm vụ) found in a plan's table rows.

Columns are recognised by their headers, never by position. What real
catalogues do is handled here: the header repeated after each page break; a
row that continues on the next page in a row with an empty number; section rows
("1", "I", "I. TITLE") that are headings; sub-items a, b, c under a task;
numbering that restarts in each section; a number printed twice (both kept);
rows repeated whole by a crawler (kept once, with a warning); rows whose number
cell is merged with the row above (a second task sharing the number).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from notifier.errors import InputError
from notifier.plans.document import RawRow, SourceDocument
from notifier.plans.problems import Problem
from notifier.text.folding import clean_spaces, fold


class Column(StrEnum):
    NUMBER = "number"
    TITLE = "title"
    LEAD = "lead"
    COORDINATING = "coordinating"
    DEADLINE = "deadline"


_ROMAN = re.compile(r"^[IVXLC]+$")
_LETTER = re.compile(r"^[a-zđ]$")
_NUMERIC = re.compile(r"^\d+(?:\.\d+)*$")
_SECTION_NUMBER = re.compile(r"^(?:\d+|[IVXLC]+|[A-Z])$")
_SECTION_LINE = re.compile(r"^(?P<number>[IVXLC]+|[A-Z]|\d+)[.)]\s+(?P<title>.+)$")


@dataclass
class CatalogueTask:
    number: str
    title: str
    lead: str
    coordinating: str
    deadline: str
    where: str
    extras: dict[str, str] = field(default_factory=dict)
    parent: str | None = None
    section: str | None = None
    section_title: str | None = None
    path: str = ""
    shares_number: bool = False
    scope: tuple[str, ...] = ()  # the numbers of the open groups, outermost first
    outer: tuple[str, ...] = ()  # those of them that are letter or Roman groups

    def same_content(self, other: CatalogueTask) -> bool:
        mine = (self.number, self.title, self.lead, self.coordinating, self.deadline, self.extras)
        return mine == (other.number, other.title, other.lead, other.coordinating, other.deadline, other.extras)


@dataclass
class Catalogue:
    tasks: list[CatalogueTask]
    columns: dict[str, str]
    has_deadline_column: bool
    problems: list[Problem]


_LETTER_GROUP, _ROMAN_GROUP, _ARABIC = 0, 1, 2


@dataclass(frozen=True)
class _Section:
    level: int
    number: str
    title: str


@dataclass(frozen=True)
class _Pending:
    row: RawRow
    values: dict[Column, str]
    cells: tuple[str, ...]
    header: _Header
    number: str


@dataclass
class _Header:
    roles: dict[Column, int]
    extras: dict[int, str]
    width: int
    where: str
    texts: dict[str, str]


ColumnNames = Mapping[str, Column]  # the office's own header names (folded) and what they hold


def header_roles(
    cells: tuple[str, ...], named: ColumnNames | None = None
) -> tuple[dict[Column, int], dict[int, str]]:
    """Which column holds what, from header texts (the office's names first); unknown non-empty
    headers are extras."""
    roles: dict[Column, int] = {}
    extras: dict[int, str] = {}
    for index, cell in enumerate(cells):
        # Header cells are short; a long cell is task text that happens to say "nhiệm vụ" (only
        # the office's own names are looked up at any length).
        folded = fold(cell) if len(cell) < 80 or named else ""
        role = (named or {}).get(folded) or (_role_of(folded) if len(cell) <= 60 else None)
        if role is not None and role not in roles:
            roles[role] = index
        elif clean_spaces(cell) and len(cell) < 80:
            extras[index] = clean_spaces(cell)
    return roles, extras


def _role_of(header: str) -> Column | None:
    """The column a header names; words first folded (no marks, lower case, single spaces) and
    stripped of punctuation, so "Số TT.", "ĐƠN VỊ  CHỦ TRÌ" and "Tên đề án/nhiệm vụ" all read."""
    header = clean_spaces(re.sub(r"[^\w\s]", " ", header))
    if header in ("tt", "stt", "so tt", "so thu tu", "thu tu"):
        return Column.NUMBER
    if "phoi hop" in header:
        return Column.COORDINATING
    if any(k in header for k in _DEADLINE_WORDS):
        return Column.DEADLINE
    if "chu tri" in header or re.search(r"(co quan|don vi|bo phan)\s+(thuc hien|phu trach|dau moi)", header):
        return Column.LEAD
    if any(k in header for k in _TITLE_WORDS):
        return Column.TITLE
    return None


_DEADLINE_WORDS = ("thoi gian", "thoi han", "tien do", "han hoan thanh", "moc thoi gian", "thoi diem", "ky han")
_TITLE_WORDS = (
    "nhiem vu", "noi dung", "cong viec", "ten de an", "chi tieu", "hoat dong", "giai phap", "ten du an",
)  # fmt: skip


def parse_catalogue(doc: SourceDocument, named: ColumnNames | None = None) -> Catalogue:
    parser = _Parser(doc, named or {})
    for row in doc.rows:
        parser.feed(row)
    return parser.finish()


class _Parser:
    def __init__(self, doc: SourceDocument, named: ColumnNames) -> None:
        self.doc = doc
        self.named = named
        self.header: _Header | None = None
        self.columns: dict[str, str] = {}
        self.has_deadline_column = True
        self.tasks: list[CatalogueTask] = []
        self.by_path: dict[str, CatalogueTask] = {}
        self.problems: list[Problem] = []
        # Open group headings, outermost first: A/B/C, then I/II/III, then 1, 2 (and 5.1 sub-groups).
        self.sections: list[_Section] = []
        # A numbered row with a title only (5.1): a sub-group heading if the next row's number
        # extends it (5.1.1), else a task of its own that lacks its units.
        self.pending: _Pending | None = None
        self.incomplete_header: RawRow | None = None
        self.page_opened = False
        # Per section: the numbers used by tasks, and the last task a letter sub-item could sit under.
        self.numbers_in: dict[tuple[str, ...], set[str]] = {}
        self.owner_in: dict[tuple[str, ...], CatalogueTask] = {}

    def feed(self, row: RawRow) -> None:
        if row.is_blank:
            return
        if self._is_header(row):
            self.page_opened = row.opens_page  # the header repeated atop a page: the next row opens it
            return
        if self.header is None:
            return
        if len(row.cells) == 1:
            self._single_cell(row)
            return
        opens_page = row.opens_page or self.page_opened
        self.page_opened = False
        self._table_row(row, self.header, opens_page=opens_page)

    def finish(self) -> Catalogue:
        self._settle_pending(None)
        if self.header is None:
            self._no_catalogue()
        if not self.tasks:
            where = self.header.where if self.header else "?"
            raise InputError(f"{self.doc.path}: bảng danh mục (tiêu đề ở {where}) không có nhiệm vụ nào")
        return Catalogue(self.tasks, self.columns, self.has_deadline_column, self.problems)

    def _no_catalogue(self) -> None:
        if self.incomplete_header is not None:
            row = self.incomplete_header
            roles, _ = header_roles(row.cells, self.named)
            missing = [_COLUMN_NAMES[c] for c in (Column.TITLE, Column.LEAD) if c not in roles]
            names = ", ".join(f"«{clean_spaces(c)}»" for c in row.cells if clean_spaces(c))
            raise InputError(
                f"{self.doc.path}: {row.where}: bảng nhiệm vụ thiếu cột {', '.join(missing)} "
                f"(các cột: {names}){_COLUMNS_HINT}"
            )
        raise InputError(
            f"{self.doc.path}: không tìm thấy bảng danh mục nhiệm vụ "
            f"(cần hàng tiêu đề có các cột «Nhiệm vụ» và «Cơ quan chủ trì»){_COLUMNS_HINT}"
        )

    # -- headers --------------------------------------------------------------

    def _is_header(self, row: RawRow) -> bool:
        if len(row.cells) < 2 or self._numbered(row):
            return False
        roles, extras = header_roles(row.cells, self.named)
        if Column.TITLE in roles and Column.LEAD in roles:
            texts = {role.value: clean_spaces(row.cells[i]) for role, i in roles.items()}
            texts.update({f"extra:{name}": name for name in extras.values()})
            self._use_header(_Header(roles, extras, len(row.cells), row.where, texts))
            return True
        if len(roles) >= 2 and (Column.TITLE in roles or Column.LEAD in roles) and self.header is None:
            self.incomplete_header = row
            return True
        return False

    def _numbered(self, row: RawRow) -> bool:
        """The row carries a task number ("3", "2.1") in the number column: a header never does, so
        the table's body is not read again as a possible header, row after row."""
        where = self.header.roles.get(Column.NUMBER) if self.header else None
        if where is None or where >= len(row.cells):
            return False
        return bool(_NUMERIC.match(_normalise_number(row.cells[where])))

    def _use_header(self, header: _Header) -> None:
        if self.header is not None and not self._is_new_layout(header):
            return  # the header repeated (after a page break, under a group): the columns stay
        if self.header is None:
            self.columns = header.texts
            self.has_deadline_column = Column.DEADLINE in header.roles
            if not self.has_deadline_column:
                self.problems.append(
                    Problem("warning", header.where, "bảng không có cột thời gian: mọi nhiệm vụ chưa có hạn")
                )
        self.header = header

    def _is_new_layout(self, header: _Header) -> bool:
        """A later header re-maps the columns only when it is a whole new layout: as wide as the
        one in use, naming its columns in other places. A repeated header that lost a cell (the
        number's heading left empty, every name one cell to the left) never re-maps the rows."""
        current = self.header
        assert current is not None
        return header.width >= current.width and header.roles != current.roles

    # -- rows -----------------------------------------------------------------

    def _single_cell(self, row: RawRow) -> None:
        """A line outside the table grid: a section heading when it reads like one, else page furniture."""
        m = _SECTION_LINE.match(clean_spaces(row.cells[0]))
        if m and _is_upper(m.group("title")):
            self._settle_pending(None)
            self._open_section(m.group("number"), clean_spaces(m.group("title")))

    def _table_row(self, row: RawRow, header: _Header, *, opens_page: bool) -> None:
        cells = self._aligned(row, header)
        values = {role: clean_spaces(cells[i]) if i < len(cells) else "" for role, i in header.roles.items()}
        number = _normalise_number(values.get(Column.NUMBER, ""))
        title = values.get(Column.TITLE, "")
        if not number and not title and not values.get(Column.LEAD):
            self._continue_previous(row, values, cells, header)
            return
        number_merged = header.roles.get(Column.NUMBER) in row.merged_above or len(cells) != len(row.cells)
        if not number_merged:
            self._settle_pending(number or None)
        if number and not number_merged and self._is_section(number, values):
            self._open_section(number, title)
            return
        if number and not number_merged and self._may_head_a_group(number, values):
            self.pending = _Pending(row, values, cells, header, number)
            return
        if (not number or number_merged) and (
            self._continues_previous(values) or self._broken_at_page(row, header, opens_page)
        ):
            self._continue_previous(row, values, cells, header)
            return
        self._add_task(row, values, cells, header, number, shares_number=not number or number_merged)

    def _aligned(self, row: RawRow, header: _Header) -> tuple[str, ...]:
        """A row missing its number cell (merged away in the export) is shifted into place."""
        first = header.roles.get(Column.NUMBER)
        if first is None or len(row.cells) >= header.width or _looks_numbered(row.cells[0]):
            return row.cells
        start = header.roles.get(Column.TITLE, first + 1)
        return ("",) * start + row.cells

    @staticmethod
    def _is_section(number: str, values: dict[Column, str]) -> bool:
        return bool(_SECTION_NUMBER.match(number)) and not _has_units_or_deadline(values)

    @staticmethod
    def _may_head_a_group(number: str, values: dict[Column, str]) -> bool:
        return "." in number and bool(_NUMERIC.match(number)) and not _has_units_or_deadline(values)

    def _settle_pending(self, next_number: str | None) -> None:
        """The held title-only row heads a sub-group when the next number extends it."""
        held, self.pending = self.pending, None
        if held is None:
            return
        if next_number is not None and next_number.startswith(f"{held.number}."):
            self._open_section(held.number, held.values.get(Column.TITLE, ""))
        else:
            self._add_task(held.row, held.values, held.cells, held.header, held.number, shares_number=False)

    def _open_section(self, number: str, title: str) -> None:
        level = _level(number)
        letters = [s.number for s in self.sections if s.level == _LETTER_GROUP]
        if len(number) == 1 and letters and ord(number) == ord(letters[-1]) + 1:
            level = _LETTER_GROUP  # C after B is the third letter group, not Roman 100
        while self.sections and self.sections[-1].level >= level:
            self.sections.pop()
        self.sections.append(_Section(level, number, title))

    def _close_sections_left_by(self, number: str) -> None:
        """Arabic groups end where a number no longer extends them: "3" or "4.1" after group 2."""
        if not _NUMERIC.match(number):
            return
        while self.sections and self.sections[-1].level >= _ARABIC and not number.startswith(
            f"{self.sections[-1].number}."
        ):
            self.sections.pop()

    @property
    def section(self) -> tuple[str | None, str | None]:
        inner = self.sections[-1] if self.sections else None
        return (inner.number, inner.title) if inner else (None, None)

    @property
    def section_key(self) -> tuple[str, ...]:
        return tuple(s.number for s in self.sections)

    def _continues_previous(self, values: dict[Column, str]) -> bool:
        """Text that ran on to the next page: no units and no deadline of its own."""
        if not self.tasks:
            return False
        return not values.get(Column.LEAD) and not values.get(Column.DEADLINE)

    def _broken_at_page(self, row: RawRow, header: _Header, opens_page: bool) -> bool:
        """A PDF row opening a page with an empty, unmerged number cell is the rest of the row above."""
        first = header.roles.get(Column.NUMBER)
        return bool(self.tasks) and opens_page and first is not None and first not in row.merged_above

    def _continue_previous(
        self, row: RawRow, values: dict[Column, str], cells: tuple[str, ...], header: _Header
    ) -> None:
        if not self.tasks:
            self.problems.append(Problem("warning", row.where, "hàng không có số thứ tự ở đầu bảng: bỏ qua"))
            return
        task = self.tasks[-1]
        for role, attr in _ROLE_ATTRS.items():
            extra = values.get(role, "")
            if extra and extra != getattr(task, attr):
                setattr(task, attr, _join(getattr(task, attr), extra))
        for index, name in header.extras.items():
            if index < len(cells) and clean_spaces(cells[index]):
                task.extras[name] = _join(task.extras.get(name, ""), clean_spaces(cells[index]))

    def _add_task(
        self,
        row: RawRow,
        values: dict[Column, str],
        cells: tuple[str, ...],
        header: _Header,
        number: str,
        *,
        shares_number: bool,
    ) -> None:
        if not shares_number:
            self._close_sections_left_by(number)
        extras = {
            name: clean_spaces(cells[i])
            for i, name in header.extras.items()
            if i < len(cells) and clean_spaces(cells[i])
        }
        task = CatalogueTask(
            number=number,
            title=values.get(Column.TITLE, ""),
            lead=values.get(Column.LEAD, ""),
            coordinating=values.get(Column.COORDINATING, ""),
            deadline=values.get(Column.DEADLINE, ""),
            where=row.where,
            extras=extras,
            section=self.section[0],
            section_title=self.section[1],
            scope=self.section_key,
            outer=tuple(s.number for s in self.sections if s.level < _ARABIC),
        )
        if shares_number:
            self._inherit_merged(task, row)
        else:
            task.parent = self._parent_of(number)
        self._register(task)

    def _inherit_merged(self, task: CatalogueTask, row: RawRow) -> None:
        """A row whose number is merged with the task above shares its number and its empty cells."""
        previous = self.tasks[-1] if self.tasks else None
        if previous is None:
            task.number = task.number or "?"
            return
        task.number, task.parent, task.shares_number = previous.number, previous.parent, True
        for attr in ("coordinating", "deadline"):
            if not getattr(task, attr):
                setattr(task, attr, getattr(previous, attr))
        for name, value in previous.extras.items():
            task.extras.setdefault(name, value)
        self.problems.append(
            Problem("info", row.where, f"hàng không có số riêng: nhận là nhiệm vụ thứ hai của mục {previous.number}")
        )

    def _parent_of(self, number: str) -> str | None:
        section = self.section_key
        if _LETTER.match(number):
            owner = self.owner_in.get(section)
            return owner.number if owner else None
        if "." in number:
            prefix = number.rsplit(".", 1)[0]
            if prefix in self.numbers_in.get(section, set()):
                return prefix
        return None

    def _register(self, task: CatalogueTask) -> None:
        task.path = self._path(task)
        earlier = self.by_path.get(task.path)
        if earlier is not None and earlier.same_content(task):
            self.problems.append(Problem("warning", task.where, f"hàng lặp lại y hệt {earlier.where}: chỉ giữ một"))
            return
        if earlier is not None:
            task.path = self._free_path(task.path)
            if not task.shares_number:
                self.problems.append(
                    Problem("info", task.where, f"số thứ tự {task.number} đã có ở {earlier.where}: giữ cả hai nhiệm vụ")
                )
        self.by_path[task.path] = task
        self.tasks.append(task)
        self.numbers_in.setdefault(task.scope, set()).add(task.number)
        if not _LETTER.match(task.number):
            self.owner_in[task.scope] = task

    def _path(self, task: CatalogueTask) -> str:
        if task.parent is not None and _LETTER.match(task.number):
            owner = self.owner_in.get(task.scope)
            return f"{owner.path if owner else task.parent}.{task.number}"
        # Letter and Roman groups prefix the number; Arabic groups are already its first parts.
        section = task.section
        inner = "" if section is None or _level(section) < _ARABIC or _extends(task.number, section) else section
        return ".".join(filter(None, [*task.outer, inner, task.number]))

    def _free_path(self, path: str) -> str:
        n = 2
        while f"{path}#{n}" in self.by_path:
            n += 1
        return f"{path}#{n}"


_COLUMNS_HINT = (
    "; nếu bảng đặt tên cột khác, hãy chỉ rõ, ví dụ: --columns \"Chỉ tiêu=nhiệm vụ,Đơn vị=chủ trì\""
)
_ROLE_WORDS = {
    Column.NUMBER: ("number", "tt", "stt"),
    Column.TITLE: ("title", "nhiem vu", "noi dung"),
    Column.LEAD: ("lead", "chu tri"),
    Column.COORDINATING: ("coordinating", "phoi hop"),
    Column.DEADLINE: ("deadline", "thoi han", "thoi gian"),
}


def parse_column_names(text: str) -> dict[str, Column]:
    """ "Chỉ tiêu=title,Chủ trì=lead" (roles in English or Vietnamese) as folded name → role."""
    named: dict[str, Column] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, role_text = part.partition("=")
        role = next((c for c, words in _ROLE_WORDS.items() if fold(role_text) in words), None)
        if not sep or not fold(name) or role is None:
            raise InputError(
                f"--columns: «{part}» không hiểu được: viết TÊN CỘT=VAI TRÒ, vai trò là một trong "
                "tt, nhiệm vụ, chủ trì, phối hợp, thời hạn (hoặc number, title, lead, coordinating, deadline)"
            )
        named[fold(name)] = role
    if not named:
        raise InputError("--columns: chưa ghi cột nào (ví dụ: --columns \"Chỉ tiêu=nhiệm vụ,Đơn vị=chủ trì\")")
    return named


_ROLE_ATTRS = {
    Column.TITLE: "title",
    Column.LEAD: "lead",
    Column.COORDINATING: "coordinating",
    Column.DEADLINE: "deadline",
}
_COLUMN_NAMES = {
    Column.NUMBER: "«TT»",
    Column.TITLE: "«Nhiệm vụ»",
    Column.LEAD: "«Cơ quan chủ trì»",
    Column.COORDINATING: "«Cơ quan phối hợp»",
    Column.DEADLINE: "«Thời gian thực hiện»",
}


def _normalise_number(raw: str) -> str:
    number = raw.strip().rstrip(".)").strip()
    if _ROMAN.match(number.upper()) and not _LETTER.match(number):
        return number.upper()
    return number


def _level(number: str) -> int:
    """A, B, C above I, II, III above 1, 2 above 5.1 sub-groups."""
    if re.fullmatch(r"[A-Z]", number) and not _ROMAN.match(number):
        return _LETTER_GROUP
    if _ROMAN.match(number):
        return _ROMAN_GROUP
    return _ARABIC + number.count(".")


def _extends(number: str, group: str) -> bool:
    return number == group or number.startswith(f"{group}.")


def _has_units_or_deadline(values: dict[Column, str]) -> bool:
    return any(values.get(c, "") for c in (Column.LEAD, Column.COORDINATING, Column.DEADLINE))


def _looks_numbered(cell: str) -> bool:
    number = _normalise_number(cell)
    return bool(_NUMERIC.match(number) or _ROMAN.match(number) or re.fullmatch(r"[a-zđA-Z]", number))


def _is_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) >= 0.8 * len(letters)


def _join(first: str, second: str) -> str:
    return f"{first} {second}".strip() if first else second
