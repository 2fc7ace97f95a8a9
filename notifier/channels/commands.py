"""Operator commands about channel links: `notifier units link-code | link | unlink`."""

from __future__ import annotations

import argparse
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from notifier.channels.links import attach, detach, issue_code
from notifier.errors import InputError
from notifier.runtime import make_clock
from notifier.schedule.calendar import vietnam_time
from notifier.settings import Settings
from notifier.units.directory import load_directory
from notifier.units.lookup import find_unit
from notifier.units.models import Unit
from notifier.units.sync import sync_directory

CHANNEL_FLAGS = ("telegram",)


def add_link_parsers(sub: Any) -> None:
    code = sub.add_parser("link-code", help="cấp mã một lần để liên kết nhóm chat với đơn vị (/dangky MÃ)")
    code.add_argument("unit")
    code.set_defaults(handler=link_code)
    link_ = sub.add_parser("link", help="liên kết đơn vị với một nhóm chat đã biết mã (chat id)")
    link_.add_argument("unit")
    link_.add_argument("--telegram", metavar="CHAT_ID", required=True)
    link_.set_defaults(handler=link)
    unlink_ = sub.add_parser("unlink", help="bỏ liên kết đơn vị với kênh")
    unlink_.add_argument("unit")
    unlink_.add_argument("--telegram", action="store_true", required=True)
    unlink_.set_defaults(handler=unlink)


def _synced(settings: Settings, session: Session) -> None:
    sync_directory(session, load_directory(settings.units_file))


def link_code(args: argparse.Namespace, settings: Settings, engine: Engine) -> int:
    now = make_clock(settings, None)()
    with Session(engine) as session:
        _synced(settings, session)
        code = issue_code(session, args.unit, now)
        unit = session.get_one(Unit, code.unit_id)
        text = (
            f"Mã liên kết cho «{unit.name}»: {code.code}\n"
            f"Thêm bot vào nhóm chat của đơn vị rồi gửi trong nhóm: /dangky {code.code}\n"
            f"Mã dùng một lần, hết hạn lúc {vietnam_time(code.expires_at):%H:%M %d/%m/%Y}."
        )
        session.commit()
    print(text)
    return 0


def link(args: argparse.Namespace, settings: Settings, engine: Engine) -> int:
    chat = args.telegram.strip()
    if not chat.lstrip("-").isdigit():
        raise InputError(f"--telegram: mã nhóm «{chat}» phải là một số (ví dụ -1001234567890)")
    with Session(engine) as session:
        _synced(settings, session)
        unit = find_unit(session, args.unit)
        attach(session, unit, "telegram", chat)
        name = unit.name
        session.commit()
    print(f"Đã liên kết «{name}» với nhóm Telegram {chat}.")
    return 0


def unlink(args: argparse.Namespace, settings: Settings, engine: Engine) -> int:
    with Session(engine) as session:
        count = detach(session, args.unit, "telegram")
        session.commit()
    print(f"Đã bỏ {count} liên kết Telegram của «{args.unit}».")
    return 0
