"""What a plan file may weigh before it is read: a hostile or broken file is refused quickly, by
name, instead of exhausting the machine. A real plan is a few hundred rows and a few MB."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from notifier.errors import InputError

MAX_TEXT_BYTES = 8 * 2**20  # .txt, .csv, .yaml (NOTIFIER_PLAN_MAX_TEXT_MB)
MAX_DOCUMENT_BYTES = 60 * 2**20  # .pdf, .docx, .doc, .odt, .xlsx as stored (NOTIFIER_PLAN_MAX_DOCUMENT_MB):
# a signed PDF carries fonts and a stamp image beside the text
MAX_PDF_PAGES = 2_000  # a 5,000-task catalogue prints on about 700 A4 pages
MAX_UNPACKED_BYTES = 500 * 2**20  # everything inside an Office file, unpacked (pictures included)
MAX_UNPACKED_XML_BYTES = 50 * 2**20  # its XML parts, which are parsed whole
MAX_MERGED_CELLS = 1_000_000  # one merged range of a sheet, in cells
MAX_ARCHIVE_MEMBERS = 5_000
MAX_ROWS = 100_000  # lines of a text export (a 5,000-task plan is about 20,000)
MAX_COLUMNS = 64  # a catalogue has 4-10 columns; a cell claiming 50 million is a broken file
MAX_CELL_CHARS = 100_000


@dataclass(frozen=True)
class SizeLimits:
    """The largest plan file read, checked before a byte of it is: a 200 MB text file or a
    200,000-row CSV is refused at once instead of after minutes and gigabytes."""

    text_bytes: int = MAX_TEXT_BYTES
    document_bytes: int = MAX_DOCUMENT_BYTES


def check_size(path: Path, limit: int) -> None:
    size = path.stat().st_size
    if size > limit:
        raise InputError(f"{path}: tệp quá lớn ({size // 2**20} MB, tối đa {limit // 2**20} MB cho loại tệp này)")


def check_archive(path: Path, archive: zipfile.ZipFile) -> set[str]:
    """The names inside an Office file, refused when it unpacks to far more than a plan can hold."""
    members = archive.infolist()
    if len(members) > MAX_ARCHIVE_MEMBERS:
        raise InputError(f"{path}: tệp nén chứa quá nhiều phần ({len(members)}), không phải văn bản kế hoạch")
    unpacked = sum(m.file_size for m in members)
    xml = sum(m.file_size for m in members if m.filename.endswith((".xml", ".rels")))
    if unpacked > MAX_UNPACKED_BYTES or xml > MAX_UNPACKED_XML_BYTES:
        raise InputError(f"{path}: tệp nén bung ra quá lớn ({unpacked // 2**20} MB): tệp hỏng hoặc độc hại")
    return {m.filename for m in members}


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]{1,3})(\d{1,7}):([A-Z]{1,3})(\d{1,7})"')


def check_merged_ranges(path: Path, archive: zipfile.ZipFile) -> None:
    """A merged range reaching the sheet's last cell (A1:XFD1048576) would make the Excel library
    create billions of cells before we see a row: such a file is refused before it is opened."""
    for name in archive.namelist():
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            for first_col, first_row, last_col, last_row in _MERGE.findall(archive.read(name)):
                area = (int(last_row) - int(first_row) + 1) * (_column(last_col) - _column(first_col) + 1)
                if area > MAX_MERGED_CELLS:
                    raise InputError(f"{path}: vùng gộp ô quá lớn ({area} ô) trong {name}: tệp hỏng")


def _column(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def check_rows(path: Path, count: int) -> None:
    if count > MAX_ROWS:
        raise InputError(f"{path}: quá nhiều hàng ({count}, tối đa {MAX_ROWS})")
