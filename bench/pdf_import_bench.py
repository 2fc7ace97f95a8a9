#!/usr/bin/env python3
"""PDF import against the same plan as a text export: the whole `notifier import --dry-run`
command, cold process, timed by farm-bench in pairs (PDF, then text), ratio PDF/text.

    .venv/bin/python bench/pdf_import_bench.py [--rows 5000] [--runs 5]

The plan is the generated catalogue of bench/import_bench.py, laid out in Word by
tests/fixtures/documents.py (bordered table, header repeated on every page) and printed to PDF by
LibreOffice, as an office would receive it. Needs LibreOffice (soffice) and farm-bench on PATH.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.import_bench import generated_plan  # noqa: E402
from tests.fixtures.documents import convert, text_to_docx  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        text = generated_plan(work / "plan.txt", args.rows)
        started = time.perf_counter()
        pdf = convert(text_to_docx(text, work / "plan.docx"), "pdf", work)
        pages = subprocess.run(
            [sys.executable, "-c", f"import pdfplumber; print(len(pdfplumber.open({str(pdf)!r}).pages))"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        print(f"{args.rows} rows: {pdf.stat().st_size / 2**20:.1f} MB PDF, {pages} pages "
              f"(LibreOffice made it in {time.perf_counter() - started:.0f} s)")  # fmt: skip
        shutil.copytree(ROOT / "config", work / "config")
        notifier = str(Path(sys.executable).with_name("notifier"))
        env = {**os.environ, "NOTIFIER_DATA_DIR": str(work / "data"), "NOTIFIER_CONFIG_DIR": str(work / "config")}
        command = ["farm-bench", "-n", str(args.runs), "--timeout", "3600", "--vs",
                   f"{notifier} import {text} --dry-run", "--", notifier, "import", str(pdf), "--dry-run"]  # fmt: skip
        subprocess.run(command, env=env, cwd=work, check=True)


if __name__ == "__main__":
    main()
