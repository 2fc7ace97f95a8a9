"""Choose a reader by content first, extension second, and refuse what fits neither."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

from notifier.errors import InputError, NotifierError
from notifier.plans.document import SourceDocument
from notifier.plans.readers.converted import read_converted
from notifier.plans.readers.docx import read_docx
from notifier.plans.readers.limits import (
    SizeLimits,
    check_archive,
    check_merged_ranges,
    check_size,
)
from notifier.plans.readers.pdf import read_pdf
from notifier.plans.readers.tabular import read_csv, read_yaml
from notifier.plans.readers.text import read_text
from notifier.plans.readers.xlsx import read_xlsx

_ZIP_MAGIC = b"PK\x03\x04"
_OLD_OFFICE_MAGIC = b"\xd0\xcf\x11\xe0"
_PDF_MAGIC = b"%PDF-"
_ODT_MIME = b"mimetypeapplication/vnd.oasis.opendocument.text"


DEFAULT_LIMITS = SizeLimits()


def read_plan(path: Path, limits: SizeLimits = DEFAULT_LIMITS) -> SourceDocument:
    """Read a plan file into rows; an unreadable or oversized file raises InputError naming it."""
    if not path.is_file():
        raise InputError(f"{path}: không tìm thấy tệp")
    with path.open("rb") as stream:
        head = stream.read(8192)
    if not head:
        raise InputError(f"{path}: tệp rỗng")
    if head.startswith(_ZIP_MAGIC):
        check_size(path, limits.document_bytes)
        return _read_converted(path, "odt") if _ODT_MIME in head[:100] else _read_office(path)
    if head.startswith(_OLD_OFFICE_MAGIC):
        check_size(path, limits.document_bytes)
        if path.suffix.lower() in (".xls", ".xlt"):
            raise InputError(f"{path}: bảng tính Excel cũ (.xls): hãy lưu lại thành .xlsx")
        return _read_converted(path, "doc")
    if head.lstrip(b"\r\n\t \xef\xbb\xbf").startswith(_PDF_MAGIC):
        check_size(path, limits.document_bytes)
        return _guarded(path, read_pdf)
    if path.suffix.lower() in (".docx", ".xlsx", ".pdf", ".doc", ".odt"):
        raise InputError(f"{path}: nội dung không phải tệp {path.suffix.lower()} hợp lệ")
    check_size(path, limits.text_bytes)
    return _read_textual(path)


def _read_office(path: Path) -> SourceDocument:
    try:
        with zipfile.ZipFile(path) as archive:
            names = check_archive(path, archive)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError):
        raise InputError(f"{path}: tệp nén hỏng, không mở được") from None
    try:
        if "word/document.xml" in names:
            return read_docx(path)
        if "xl/workbook.xml" in names:
            with zipfile.ZipFile(path) as archive:
                check_merged_ranges(path, archive)
            return read_xlsx(path)
    except NotifierError:
        raise
    except Exception as exc:  # a broken file, whatever the library says about it, is bad input
        raise InputError(f"{path}: không đọc được nội dung tệp (tệp hỏng): {type(exc).__name__}") from None
    raise InputError(f"{path}: tệp nén này không phải văn bản Word (.docx) hay bảng tính Excel (.xlsx)")


def _read_converted(path: Path, kind: str) -> SourceDocument:
    return _guarded(path, lambda p: read_converted(p, kind))


def _guarded(path: Path, reader: Callable[[Path], SourceDocument]) -> SourceDocument:
    """A broken file, whatever the library says about it, is bad input named by its path."""
    try:
        return reader(path)
    except NotifierError:
        raise
    except Exception as exc:
        raise InputError(f"{path}: không đọc được nội dung tệp (tệp hỏng): {type(exc).__name__}") from None


def _read_textual(path: Path) -> SourceDocument:
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        raise InputError(f"{path}: tệp nhị phân, không phải văn bản kế hoạch")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: không phải văn bản UTF-8 (byte lỗi ở vị trí {exc.start}); hãy lưu lại với mã UTF-8"
        ) from None
    if not text.strip():
        raise InputError(f"{path}: tệp rỗng")
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml") or (
        suffix not in (".csv", ".txt") and text.lstrip().startswith(("plan:", "tasks:"))
    ):
        return read_yaml(path, text)
    if suffix == ".csv":
        return read_csv(path, text)
    return read_text(path, text)


__all__ = ["SourceDocument", "read_plan"]
