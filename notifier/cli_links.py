"""Operator commands about channel links: `notifier units link-code | link | unlink`."""

from __future__ import annotations

import argparse
import re

from sqlalchemy import Engine

from notifier import actions
from notifier.actions.base import Office
from notifier.clock import Clock, vietnam_time
from notifier.errors import InputError
from notifier.settings import Settings


def link_code(args: argparse.Namespace, settings: Settings, engine: Engine, clock: Clock) -> int:
    code, unit = actions.links.issue_link_code(Office.load(engine, settings, clock), args.unit)
    print(
        f"Mã liên kết cho «{unit}»: {code.code}\n"
        f"Thêm bot vào nhóm chat của đơn vị rồi gửi trong nhóm: /dangky {code.code}\n"
        f"Mã dùng một lần, hết hạn lúc {vietnam_time(code.expires_at):%H:%M %d/%m/%Y}."
    )
    return 0


def link(args: argparse.Namespace, settings: Settings, engine: Engine, clock: Clock) -> int:
    targets = [("telegram", _chat_id(args.telegram))] if args.telegram else []
    targets += [("email", _address(a)) for a in args.email]
    targets += [("zalo", _zalo_id(z)) for z in args.zalo]
    if not targets:
        raise InputError("cần --telegram CHAT_ID, --email ĐỊA_CHỈ hoặc --zalo CHAT_ID")
    name = actions.links.link(Office.load(engine, settings, clock), args.unit, targets)
    for channel, target in targets:
        print(f"Đã liên kết «{name}» với {CHANNEL_NAMES[channel]} {target}.")
    return 0


CHANNEL_NAMES = {"telegram": "nhóm Telegram", "email": "địa chỉ thư", "zalo": "cuộc trò chuyện Zalo"}
_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def _chat_id(raw: str) -> str:
    chat = raw.strip()
    if not chat.lstrip("-").isdigit():
        raise InputError(f"--telegram: mã nhóm «{chat}» phải là một số (ví dụ -1001234567890)")
    return chat


def _zalo_id(raw: str) -> str:
    chat = raw.strip()
    if not re.fullmatch(r"[A-Za-z0-9._-]{4,100}", chat):
        raise InputError(f"--zalo: mã cuộc trò chuyện «{raw}» không hợp lệ")
    return chat


def _address(raw: str) -> str:
    address = raw.strip().lower()
    if not _ADDRESS.match(address):
        raise InputError(f"--email: «{raw}» không phải địa chỉ thư")
    return address


def unlink(args: argparse.Namespace, settings: Settings, engine: Engine, clock: Clock) -> int:
    if not args.telegram and args.email is None and args.zalo is None:
        raise InputError("cần --telegram, --email [ĐỊA_CHỈ] hoặc --zalo [CHAT_ID]")
    office = Office.load(engine, settings, clock)
    count = 0
    if args.telegram:
        count += actions.links.unlink(office, args.unit, "telegram")
    if args.email is not None:
        count += actions.links.unlink(office, args.unit, "email", None if args.email == "*" else _address(args.email))
    if args.zalo is not None:
        count += actions.links.unlink(office, args.unit, "zalo", None if args.zalo == "*" else _zalo_id(args.zalo))
    print(f"Đã bỏ {count} liên kết của «{args.unit}».")
    return 0
