"""The operator's command line. Commands and JSON fields are a contract: add, never rename.

The parser is all this module holds; each command's function lives in ``cli_commands.py`` (or its
own ``cli_*.py``) and is imported only when the command runs (``cli_handlers.command``).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from notifier.cli_handlers import Handler, command
from notifier.cli_parsers import add_explanation_parsers, add_extension_parsers, add_link_parsers, add_report_parser
from notifier.cli_words import speak_vietnamese
from notifier.errors import InputError, NotifierError
from notifier.plans.catalogue import Column, parse_column_names

NOW_HELP = "thời điểm cố định cho lệnh này (ISO 8601, giờ Việt Nam nếu không ghi múi giờ); thay cho NOTIFIER_NOW"


class CommandParser(argparse.ArgumentParser):
    """Every command and sub-command takes --now: the one clock of the process is made from it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        top = kwargs.get("prog") == "notifier"
        # A sub-command's default must not overwrite a --now given before the command's name.
        self.add_argument("--now", help=NOW_HELP, default=None if top else argparse.SUPPRESS)


def main(argv: Sequence[str] | None = None) -> int:
    speak_vietnamese()
    parser = _parser()
    args = parser.parse_args(argv)
    # Imported here, not above: `notifier --help` must not wait for the database layer.
    from notifier.clock import Clock, install
    from notifier.db.engine import open_database
    from notifier.log_format import configure_logging
    from notifier.settings import load_settings, parse_moment

    try:
        settings = load_settings()
        configure_logging(settings.log_level, json_lines=settings.json_logs)
        clock = install(Clock.from_option(parse_moment(args.now, "--now"), settings.fixed_now))
        engine = open_database(settings)
        handler: Handler = args.handler
        return handler(args, settings, engine, clock)
    except NotifierError as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        return _reader_hung_up()


def _reader_hung_up() -> int:
    """`notifier tasks --json | head`: the reader left; stop quietly (Python's own advice: point
    standard output at /dev/null so the flush at exit does not fail again)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass  # not a real file (tests capture it): nothing will flush to a closed pipe
    return 1


def _parser() -> argparse.ArgumentParser:
    parser = CommandParser(prog="notifier", description="Nhắc việc: kế hoạch thành lời nhắc cho từng đơn vị.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _import_parser(commands)
    _tasks_parser(commands)
    _plans_parser(commands)
    _units_parser(commands)
    _engine_parsers(commands)
    add_report_parser(commands)
    add_extension_parsers(commands)
    add_explanation_parsers(commands)
    demo = commands.add_parser("demo", help="nhập kế hoạch mẫu đi kèm, in báo cáo và các bản tin nhắc việc")
    demo.set_defaults(handler=command("notifier.cli_commands", "_demo"))
    return parser


def _engine_parsers(commands: Any) -> None:
    run = commands.add_parser("run", help="chạy dịch vụ nhắc việc; --once: một lượt rồi thoát")
    run.add_argument("--once", action="store_true")
    run.set_defaults(handler=command("notifier.cli_commands", "_run"))
    due = commands.add_parser("due", help="xem trước các bản tin sẽ gửi vào một thời điểm (không gửi, không ghi)")
    due.add_argument("--at", required=True, help="thời điểm (ISO 8601, giờ Việt Nam nếu không ghi múi giờ)")
    due.add_argument("--json", action="store_true")
    due.set_defaults(handler=command("notifier.cli_commands", "_due"))
    log_ = commands.add_parser("log", help="nhật ký nhắc việc: ai được nhắc gì, khi nào, đã xác nhận chưa")
    log_.add_argument("--unit")
    log_.add_argument("--since", help="từ ngày (10/3/2026 hoặc 2026-03-10)")
    log_.add_argument("--json", action="store_true")
    log_.set_defaults(handler=command("notifier.cli_commands", "_log"))
    done = commands.add_parser("done", help="đánh dấu nhiệm vụ (lần thực hiện hiện tại) đã hoàn thành")
    done.add_argument("key")
    done.add_argument("--unit", help="chỉ phần việc của đơn vị này")
    done.add_argument("--period", help="kỳ của nhiệm vụ định kỳ (2026-Q1, 2026-11, 2026); mặc định: kỳ sớm nhất còn mở")
    done.set_defaults(handler=command("notifier.cli_commands", "_done"))
    again = commands.add_parser("reopen", help="mở lại nhiệm vụ đã đánh dấu hoàn thành")
    again.add_argument("key")
    again.set_defaults(handler=command("notifier.cli_commands", "_reopen"))
    web = commands.add_parser("web", help="chạy trang web (xác nhận qua liên kết thư)")
    web.add_argument("--host")
    web.add_argument("--port", type=int)
    web.set_defaults(handler=command("notifier.cli_commands", "_web"))
    users = commands.add_parser("users", help="tài khoản trang web của văn phòng")
    users_sub = users.add_subparsers(dest="users_command", metavar="add | list | disable | password", required=True)
    add = users_sub.add_parser("add", help="thêm tài khoản (hoặc đặt lại mật khẩu, vai trò)")
    add.add_argument("username")
    add.add_argument("--role", choices=["admin", "viewer"], required=True)
    add.set_defaults(handler=command("notifier.cli_commands", "_add_user"))
    listing = users_sub.add_parser("list", help="các tài khoản, vai trò, đã khóa hay chưa")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=command("notifier.cli_commands", "_list_users"))
    disable = users_sub.add_parser("disable", help="khóa một tài khoản: không đăng nhập được, mọi phiên kết thúc")
    disable.add_argument("username")
    disable.set_defaults(handler=command("notifier.cli_commands", "_disable_user"))
    password = users_sub.add_parser("password", help="đặt mật khẩu mới cho một tài khoản (mọi phiên kết thúc)")
    password.add_argument("username")
    password.set_defaults(handler=command("notifier.cli_commands", "_set_password"))
    backup = commands.add_parser("backup", help="sao lưu toàn bộ cơ sở dữ liệu SQLite ra một tệp (kể cả khi đang chạy)")
    backup.add_argument("file", type=Path, help="tệp sao lưu mới, ví dụ sao-luu-2026-12-01.db")
    backup.set_defaults(handler=command("notifier.cli_commands", "_backup"))
    status = commands.add_parser("status", help="tình trạng dịch vụ: nhịp hoạt động, số lượt gửi, kênh lỗi")
    status.add_argument("--json", action="store_true")
    status.set_defaults(handler=command("notifier.cli_commands", "_status"))


def _import_parser(commands: Any) -> None:
    p = commands.add_parser("import", help="nhập (hoặc nhập lại) một kế hoạch: .docx, .xlsx, .txt, .csv, .yaml")
    p.add_argument("path", type=Path)
    p.add_argument("--dry-run", action="store_true", help="chỉ in khác biệt, không ghi gì")
    p.add_argument("--plan", dest="plan_code", help="mã kế hoạch (mặc định: suy từ số hiệu, năm)")
    p.add_argument("--year", type=_year, help="năm của kế hoạch khi văn bản không ghi")
    p.add_argument(
        "--columns",
        type=_column_names,
        help='tên cột của bảng khi không tự nhận ra, ví dụ "Chỉ tiêu=nhiệm vụ,Đơn vị=chủ trì"',
    )
    p.add_argument("--add-units", action="store_true", help="thêm mỗi tên đơn vị chưa nhận ra thành một đơn vị mới")
    p.add_argument("--yes", action="store_true", help="đồng ý khi lần nhập lưu trữ quá nửa số nhiệm vụ")
    p.add_argument("--json", action="store_true", help="in báo cáo dạng JSON")
    p.set_defaults(handler=command("notifier.cli_commands", "_import"))


def _column_names(text: str) -> dict[str, Column]:
    try:
        return parse_column_names(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--columns: ")) from None


def _year(text: str) -> int:
    if not text.strip().isdigit() or not 1900 <= int(text) <= 2200:
        raise argparse.ArgumentTypeError(f"năm «{text}» không hợp lệ (viết như 2026)")
    return int(text)


def _tasks_parser(commands: Any) -> None:
    p = commands.add_parser("tasks", help="danh sách nhiệm vụ; 'tasks set-due MÃ NGÀY' đặt hạn")
    p.add_argument("--plan", dest="plan_code")
    p.add_argument("--unit")
    p.add_argument("--all", action="store_true", help="kể cả nhiệm vụ đã lưu trữ")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=command("notifier.cli_commands", "_tasks"))
    sub = p.add_subparsers(dest="tasks_command", metavar="set-due")
    due = sub.add_parser("set-due", help="đặt ngày hạn cho một nhiệm vụ (--clear: bỏ ngày đã đặt)")
    due.add_argument("key", help="mã nhiệm vụ (KẾ-HOẠCH:SỐ, hoặc chỉ SỐ khi không lẫn với kế hoạch khác)")
    due.add_argument("date", nargs="?")
    due.add_argument("--clear", action="store_true", help="bỏ ngày văn phòng đã đặt, theo lại lời kế hoạch")
    due.add_argument("--yes", action="store_true", help="đồng ý đặt một ngày đã qua hơn một năm")
    due.set_defaults(handler=command("notifier.cli_commands", "_set_due"))


def _plans_parser(commands: Any) -> None:
    p = commands.add_parser("plans", help="các kế hoạch đã nhập; 'plans remove MÃ' gỡ một kế hoạch nhập nhầm")
    p.add_argument("--all", action="store_true", help="kể cả kế hoạch đã gỡ")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=command("notifier.cli_commands", "_plans"))
    sub = p.add_subparsers(dest="plans_command", metavar="remove")
    remove = sub.add_parser("remove", help="gỡ một kế hoạch: lưu trữ mọi nhiệm vụ, ngừng nhắc; nhật ký giữ nguyên")
    remove.add_argument("code")
    remove.add_argument("--json", action="store_true")
    remove.set_defaults(handler=command("notifier.cli_commands", "_remove_plan"))


def _units_parser(commands: Any) -> None:
    p = commands.add_parser("units", help="danh sách đơn vị; 'units alias TÊN TÊN-CHUẨN' gán tên")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=command("notifier.cli_commands", "_units"))
    sub = p.add_subparsers(dest="units_command", metavar="alias | add | link-code | link | unlink")
    alias = sub.add_parser("alias", help="gán một tên viết trong kế hoạch cho một đơn vị hay nhóm")
    alias.add_argument("written")
    alias.add_argument("canonical")
    alias.set_defaults(handler=command("notifier.cli_commands", "_alias"))
    add = sub.add_parser("add", help="thêm một đơn vị mà config/units.yaml chưa có (vd. một sở của tỉnh)")
    add.add_argument("name")
    add.add_argument("--kind", default="", help="loại đơn vị (mặc định: đơn vị)")  # units.sync.OFFICE_KIND
    add.add_argument("--alias", action="append", default=[], help="tên khác viết trong kế hoạch (lặp lại được)")
    add.add_argument("--json", action="store_true")
    add.set_defaults(handler=command("notifier.cli_commands", "_add_unit"))
    add_link_parsers(sub)


if __name__ == "__main__":
    sys.exit(main())
