"""argparse's own messages in Vietnamese, like every other word the command line prints.

argparse takes its messages through ``gettext`` (module-level ``_`` and ``ngettext``); with no
catalogue installed they come out in English. ``speak_vietnamese`` puts a translator in their
place for this process: a message we know is translated, any other passes through unchanged.
"""

from __future__ import annotations

import argparse

_MESSAGES = {
    "usage: ": "cách dùng: ",
    "%(prog)s: error: %(message)s\n": "%(prog)s: lỗi: %(message)s\n",
    "the following arguments are required: %s": "thiếu tham số: %s",
    "unrecognized arguments: %s": "tham số không nhận ra: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "lựa chọn không hợp lệ: %(value)r (chọn một trong %(choices)s)"
    ),
    "argument %(argument_name)s: %(message)s": "tham số %(argument_name)s: %(message)s",
    "invalid %(type)s value: %(value)r": "giá trị %(type)s không hợp lệ: %(value)r",
    "expected one argument": "cần một giá trị",
    "expected at most one argument": "cần nhiều nhất một giá trị",
    "expected at least one argument": "cần ít nhất một giá trị",
    "not allowed with argument %s": "không dùng cùng với %s",
    "ignored explicit argument %r": "bỏ qua giá trị %r",
    "one of the arguments %s is required": "cần một trong các tham số %s",
    "ambiguous option: %(option)s could match %(matches)s": "tùy chọn mơ hồ: %(option)s có thể là %(matches)s",
    "show this help message and exit": "in hướng dẫn này rồi thoát",
    "positional arguments": "tham số",
    "options": "tùy chọn",
    "optional arguments": "tùy chọn",
}
_PLURALS = {"expected %s argument": "cần %s giá trị"}


def _translate(message: str) -> str:
    return _MESSAGES.get(message, message)


def _translate_plural(singular: str, plural: str, count: int) -> str:
    return _PLURALS.get(singular, singular if count == 1 else plural)


def speak_vietnamese() -> None:
    argparse._ = _translate  # type: ignore[attr-defined]
    argparse.ngettext = _translate_plural  # type: ignore[attr-defined]
