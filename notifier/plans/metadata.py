"""Plan metadata from the document's first page: number, title, issuing body, date, year.

When a decision (Quyết định) carries the plan, the plan's own heading and data
win; the decision's number and date fill in only what the plan lacks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from notifier.plans.document import PlanHints, SourceDocument
from notifier.text.folding import clean_spaces, fold, strip_marks

_NUMBER = re.compile(r"^Số\s*:?\s*(?P<rest>.*)$", re.IGNORECASE)
_DATE = re.compile(r"ngày\s*(?P<d>\d{1,2})?\s*tháng\s*(?P<m>\d{1,2})\s*năm\s*(?P<y>\d{4})", re.IGNORECASE)
_NUMERIC_DATE = re.compile(r"(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})")
_CARRIED_BY = re.compile(
    r"kèm theo\s+(?P<kind>Quyết định|Kế hoạch)\s+số\s*:?\s*(?P<number>[\w./-]*/[\w.-]+)?\s*(?P<rest>[^)]*)",
    re.IGNORECASE,
)
_YEAR_IN_TITLE = re.compile(r"năm\s+((?:19|20)\d\d)(?!\s*-)", re.IGNORECASE)
_ISSUER_IN_BODY = (
    r"(?:Ủy ban nhân dân|Uỷ ban nhân dân|UBND)\s+(?:xã|phường|thị trấn|huyện|quận|thị xã|tỉnh|thành phố)\s+{place}"
)
_HEADINGS = ("ke hoach", "quyet dinh", "danh muc", "phu luc")
_NOT_ISSUER = ("cong hoa", "doc lap", "so ")


@dataclass(frozen=True)
class PlanMetadata:
    number: str | None
    title: str
    issuer: str | None
    issued_on: date | None
    year: int | None
    decision: str | None


def read_metadata(doc: SourceDocument) -> PlanMetadata:
    lines = [clean_spaces(line) for line in doc.lines]
    heading = _heading_index(lines, "ke hoach")
    decision_at = _heading_index(lines, "quyet dinh")
    first = min(i for i in (heading, decision_at, len(lines)) if i is not None)
    header = lines[:first]
    number = _number(header)
    title = doc.hints.title or (_title(lines, heading) if heading is not None else None) or doc.path.stem
    carrier_number, carrier_date = _carried_by(lines)
    decision = number if number and "QĐ" in number.upper() else carrier_number
    own_number = doc.hints.number or (number if number and number != decision else None)
    issued_on, year_from_date = _date(" ".join(header)) if header else (None, None)
    if issued_on is None and year_from_date is None:
        issued_on, year_from_date = carrier_date if carrier_number else _hint_date(doc.hints)
    year = doc.hints.year or year_from_date or _title_year(title)
    issuer = doc.hints.issuer if doc.hints.title else (_issuer(header, lines) or doc.hints.issuer)
    return PlanMetadata(own_number, title, issuer, issued_on, year, decision)


def _heading_index(lines: list[str], heading: str) -> int | None:
    """The first line that is exactly the document-type heading ("KẾ HOẠCH", "QUYẾT ĐỊNH")."""
    return next((i for i, line in enumerate(lines) if line.isupper() and fold(line) == heading), None)


def _number(header: list[str]) -> str | None:
    for i, line in enumerate(header):
        m = _NUMBER.match(line)
        if m:
            rest = m.group("rest") or (header[i + 1] if i + 1 < len(header) else "")
            value = rest.split()[0] if rest.split() else ""
            return value if re.match(r"^\d", value) else None
    return None


def _title(lines: list[str], heading: int) -> str | None:
    """The title under the heading: one paragraph, or several when Word's author broke it into
    paragraphs (each on its own line in some exports, blank-separated in others)."""
    words: list[str] = []
    for line in lines[heading + 1 :]:
        if not line:
            continue
        if words and not _continues_title(words[0], line):
            break
        words.append(line)
    return " ".join(words) or None


_NOT_TITLE = re.compile(
    r"^(?:[(\-–*_=.]|căn cứ|thực hiện|số\b|kính gửi|(?:ủy|uỷ) ban nhân dân|ubnd\b|[IVX]+\.|\d+\.|phần\b)",
    re.IGNORECASE,
)


def _continues_title(first: str, line: str) -> bool:
    """A capitalised title goes on in capitals; any title goes on in a line starting in lower case."""
    if _NOT_TITLE.match(line):
        return False
    return line[:1].islower() or (first.isupper() and line.isupper())


def _date(text: str) -> tuple[date | None, int | None]:
    m = _DATE.search(text)
    if not m:
        return None, None
    year = int(m.group("y"))
    if not m.group("d"):
        return None, year
    try:
        return date(year, int(m.group("m")), int(m.group("d"))), year
    except ValueError:
        return None, year


def _hint_date(hints: PlanHints) -> tuple[date | None, int | None]:
    if not hints.date_text:
        return None, None
    m = _NUMERIC_DATE.search(hints.date_text) or re.search(r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})", hints.date_text)
    if not m:
        return None, None
    try:
        return date(int(m.group("y")), int(m.group("m")), int(m.group("d"))), int(m.group("y"))
    except ValueError:
        return None, int(m.group("y"))


def _carried_by(lines: list[str]) -> tuple[str | None, tuple[date | None, int | None]]:
    """The decision number and date in "(Kèm theo Quyết định số … ngày …)" under the plan's title."""
    text = " ".join(lines)
    for m in _CARRIED_BY.finditer(text):
        if fold(m.group("kind")) == "quyet dinh" and m.group("number"):
            return m.group("number"), _date(m.group("rest"))
    return None, (None, None)


def _title_year(title: str) -> int | None:
    m = _YEAR_IN_TITLE.search(title)
    return int(m.group(1)) if m else None


def _issuer(header: list[str], lines: list[str]) -> str | None:
    top: list[str] = []
    for line in header:
        if line.startswith("-") or _is_furniture(line):
            break  # the issuer block ends where the national motto or the number starts
        top.append(line)
    capital = [line for line in top if line.isupper()]
    if capital:
        return " ".join(capital)
    place = _place(header)
    if place:
        m = re.search(_ISSUER_IN_BODY.format(place=re.escape(place)), " ".join(lines), re.IGNORECASE)
        if m:
            return m.group(0)
    return None


def _is_furniture(line: str) -> bool:
    folded = strip_marks(line)
    return folded.startswith(_NOT_ISSUER) or bool(_DATE.search(line)) or fold(line) in _HEADINGS


def _place(header: list[str]) -> str | None:
    """The place in the "Thái Tân, ngày …" line."""
    for line in header:
        m = re.match(r"^(.*?),\s*ngày", line)
        if m:
            words = [w for w in m.group(1).split() if w.isalpha() and w[:1].isupper()]
            return " ".join(words) or None
    return None
