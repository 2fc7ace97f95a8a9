"""PDF plans with a text layer (what Word, LibreOffice and the document system print).

pdfplumber finds the ruled tables on each page; every word is placed either in the table cell
that holds it or in the body text. Text is rebuilt from word positions, because a PDF has lines,
not paragraphs: a line ends its paragraph only when the next line's first word would have fitted
on it (so "Sở Tài / chính" wrapped in a narrow cell reads "Sở Tài chính", while "Sở Tài chính /
Các sở, ngành" written one unit per paragraph keeps its break). Each page's table rows follow one
another as rows of one catalogue: the header repeated on every page and a row broken across a page
(its number cell empty on the next page) are then handled by the catalogue as for any other file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfplumber.utils.exceptions import PdfminerException

from notifier.errors import InputError
from notifier.plans.document import RawRow, SourceDocument
from notifier.plans.readers.limits import MAX_COLUMNS, MAX_PDF_PAGES, check_rows
from notifier.plans.readers.pdf_text import Line, Word, paragraphs, paragraphs_of
from notifier.text.folding import nfc


@dataclass(frozen=True)
class _Cell:
    box: tuple[float, float, float, float]
    row: int
    column: int


def read_pdf(path: Path) -> SourceDocument:
    doc = SourceDocument(path=path, format="pdf")
    try:
        with pdfplumber.open(str(path)) as pdf:
            if len(pdf.pages) > MAX_PDF_PAGES:
                raise InputError(f"{path}: quá nhiều trang ({len(pdf.pages)}, tối đa {MAX_PDF_PAGES})")
            pages = [_read_page_once(page) for page in pdf.pages]
    except PdfminerException as exc:
        # pdfplumber wraps pdfminer's own errors: a password is the one an office can act on.
        if any(isinstance(arg, (PDFPasswordIncorrect, PDFEncryptionError)) for arg in exc.args):
            raise InputError(f"{path}: tệp PDF có mật khẩu: hãy gỡ mật khẩu hoặc dùng bản Word (.docx)") from None
        raise
    if not any(page.has_text for page in pages):
        raise InputError(
            f"{path}: tệp PDF là ảnh quét, không có lớp chữ: hãy dùng bản Word (.docx) hoặc bản PDF "
            "xuất từ Word/LibreOffice của văn bản, hoặc nhận dạng chữ (OCR) trước khi nhập"
        )
    _assemble(doc, pages)
    check_rows(path, len(doc.rows))
    return doc


GridRow = tuple[tuple[str, ...], frozenset[int]]


@dataclass(frozen=True)
class _Body:
    top: float
    lines: list[Line]  # grouped once: the margins and the paragraphs both read them


@dataclass(frozen=True)
class _Table:
    top: float
    rows: list[GridRow]


@dataclass
class _Page:
    number: int
    has_text: bool
    blocks: list[_Body | _Table]  # in reading order


def _read_page_once(page: Any) -> _Page:
    """Read a page, then drop pdfplumber's cache of its characters and shapes: kept, a 600-page
    plan holds gigabytes."""
    try:
        return _read_page(page)
    finally:
        page.close()


def _read_page(page: Any) -> _Page:
    words = [Word.of(w) for w in page.extract_words(keep_blank_chars=False, use_text_flow=False)]
    tables = page.find_tables()
    placed: set[int] = set()
    blocks: list[_Body | _Table] = [_Table(t.bbox[1], _table_rows(t, words, placed)) for t in tables]
    body = [w for i, w in enumerate(words) if i not in placed]
    blocks += _body_runs(body, [t.bbox for t in tables])
    blocks.sort(key=lambda block: block.top)
    return _Page(page.page_number, bool(words), blocks)


def _table_rows(table: Any, words: list[Word], placed: set[int]) -> list[GridRow]:
    cells = [
        _Cell(tuple(box), r, c)
        for r, row in enumerate(table.rows)
        for c, box in enumerate(row.cells[:MAX_COLUMNS])
        if box is not None
    ]
    inside: dict[_Cell, list[Word]] = {cell: [] for cell in cells}
    for index, word in enumerate(words):
        cell = _cell_of(word, cells)
        if cell is not None:
            inside[cell].append(word)
            placed.add(index)
    texts = {(cell.row, cell.column): _cell_text(cell, inside[cell]) for cell in cells}
    boxes = {(cell.row, cell.column): cell.box for cell in cells}
    width = min(max((len(row.cells) for row in table.rows), default=0), MAX_COLUMNS)
    return [_grid_row(r, row.bbox, width, texts, boxes) for r, row in enumerate(table.rows)]


def _cell_of(word: Word, cells: list[_Cell]) -> _Cell | None:
    x, y = word.centre
    for cell in cells:
        x0, top, x1, bottom = cell.box
        if x0 <= x <= x1 and top <= y <= bottom:
            return cell
    return None


def _cell_text(cell: _Cell, words: list[Word]) -> str:
    x0, _, x1, _ = cell.box
    if not words:
        return ""
    padding = max(min(w.x0 for w in words) - x0, 0.0)
    return "\n".join(paragraphs(words, x0 + padding, x1 - padding)).strip()


def _grid_row(
    r: int,
    bbox: tuple[float, float, float, float],
    width: int,
    texts: dict[tuple[int, int], str],
    boxes: dict[tuple[int, int], tuple[float, float, float, float]],
) -> GridRow:
    """A missing cell is covered by a merge: from above (its text repeats, as Word's vMerge) or from
    the left (it stays empty, so the columns keep their places)."""
    cells: list[str] = []
    merged: set[int] = set()
    for c in range(width):
        if (r, c) in texts:
            cells.append(texts[(r, c)])
            continue
        above = next((k for k in range(r - 1, -1, -1) if (k, c) in boxes), None)
        if above is not None and boxes[(above, c)][3] > bbox[1] + 1:
            cells.append(texts[(above, c)])
            merged.add(c)
        else:
            cells.append("")
    return tuple(cells), frozenset(merged)


def _body_runs(words: list[Word], tables: list[tuple[float, float, float, float]]) -> list[_Body]:
    """Body words grouped by the tables between them, so each run keeps its place on the page."""
    edges = sorted(box[1] for box in tables)
    runs: dict[int, list[Word]] = {}
    for word in words:
        runs.setdefault(sum(1 for edge in edges if word.top > edge), []).append(word)
    return [_Body(min(w.top for w in run), Line.group(run)) for _, run in sorted(runs.items())]


def _assemble(doc: SourceDocument, pages: list[_Page]) -> None:
    lines = [line for page in pages for b in page.blocks if isinstance(b, _Body) for line in b.lines]
    # The body's margins, from the whole document: a page of short lines must not narrow them.
    left = min((line.x0 for line in lines), default=0.0)
    right = max((line.x1 for line in lines), default=0.0)
    for page in pages:
        row_number = 0
        for block in page.blocks:
            if isinstance(block, _Body):
                for text in paragraphs_of(block.lines, left, right):
                    doc.lines += [nfc(text), ""]
                    doc.rows.append(RawRow((nfc(text),), f"trang {page.number}"))
                continue
            for cells, merged in block.rows:
                row_number += 1
                texts = tuple(nfc(c) for c in cells)
                where = f"trang {page.number}, hàng {row_number}"
                doc.rows.append(RawRow(texts, where, merged, opens_page=page.number > 1 and row_number == 1))
                doc.lines += [line for cell in texts for line in cell.splitlines()] + [""]
