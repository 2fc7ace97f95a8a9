"""Old Word (.doc) and OpenDocument (.odt) plans, turned into .docx by LibreOffice and read as such.

LibreOffice is an optional system package (Debian's ``libreoffice-writer-nogui``): without it these
files are refused with the package's name. Each conversion runs with a profile of its own in a
temporary folder, so two imports at once never share LibreOffice's lock or settings.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from notifier.errors import InputError
from notifier.plans.document import SourceDocument
from notifier.plans.readers.docx import read_docx

CONVERSION_TIMEOUT_S = 300  # a long .doc converts in a few seconds; a hung LibreOffice must not hang us
_PACKAGE_HINT = "cài LibreOffice (gói Debian/Ubuntu: libreoffice-writer-nogui) hoặc lưu lại tệp thành .docx"


def libreoffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def read_converted(path: Path, kind: str) -> SourceDocument:
    program = libreoffice()
    if program is None:
        raise InputError(f"{path}: tệp {kind} cần LibreOffice để đọc, máy này chưa có: {_PACKAGE_HINT}")
    with tempfile.TemporaryDirectory(prefix="notifier-convert-") as work:
        folder = Path(work)
        source = folder / f"plan.{kind}"  # a plain name: LibreOffice mis-reads some characters in paths
        shutil.copyfile(path, source)
        _convert(program, source, folder, path)
        converted = folder / "plan.docx"
        if not converted.is_file():
            raise InputError(f"{path}: LibreOffice không chuyển được tệp {kind} này (tệp hỏng hoặc không phải văn bản)")
        doc = read_docx(converted)
    doc.path, doc.format = path, kind
    return doc


def _convert(program: str, source: Path, folder: Path, original: Path) -> None:
    command = [
        program, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless", "--norestore",
        "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(folder), str(source),
    ]  # fmt: skip
    try:
        subprocess.run(command, capture_output=True, timeout=CONVERSION_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise InputError(f"{original}: LibreOffice chuyển tệp quá {CONVERSION_TIMEOUT_S} giây: tệp hỏng?") from None
    except OSError as exc:
        raise InputError(f"{original}: không chạy được LibreOffice ({exc.strerror}): {_PACKAGE_HINT}") from None
