"""The sub-commands' parsers (report, extensions, explanations, units link…): argparse only, each
command's function named for ``cli_handlers.command`` and imported when it runs."""

from __future__ import annotations

from typing import Any

from notifier.cli_handlers import command

FORMATS = ("text", "json", "xlsx", "docx")


def add_report_parser(commands: Any) -> None:
    p = commands.add_parser("report", help="báo cáo định kỳ kết quả thực hiện nhiệm vụ theo đơn vị (tháng, quý, năm)")
    p.add_argument("--period", required=True, help="kỳ báo cáo: 2026, 2026-H2, 2026-Q4 hoặc 2026-11")
    p.add_argument("--plan", dest="plan_code", help="chỉ một kế hoạch (mặc định: mọi kế hoạch)")
    p.add_argument("--format", choices=FORMATS, help="mặc định: theo đuôi tệp --out, không có thì in ra màn hình")
    p.add_argument("--out", help="ghi ra tệp này (.xlsx, .docx, .json)")
    p.add_argument("--json", action="store_true", help="như --format json")
    p.set_defaults(handler=command("notifier.cli_report", "report"))


def add_extension_parsers(commands: Any) -> None:
    p = commands.add_parser("extensions", help="đề nghị gia hạn: danh sách, ghi nhận, đồng ý, không đồng ý")
    p.add_argument("--all", action="store_true", help="kể cả đề nghị đã quyết định")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=command("notifier.cli_extensions", "listing"))
    sub = p.add_subparsers(dest="extensions_command", metavar="request | approve | reject")
    ask = sub.add_parser("request", help="ghi nhận một đề nghị gia hạn (đơn vị gửi văn phòng)")
    ask.add_argument("key", help="mã nhiệm vụ")
    ask.add_argument("date", help="ngày hạn mới đề nghị (vd. 15/12/2026)")
    ask.add_argument("--reason", required=True, help="lý do đơn vị nêu")
    ask.add_argument("--unit", help="đơn vị chủ trì đề nghị (mặc định: đơn vị chủ trì duy nhất)")
    ask.add_argument("--period", help="kỳ của nhiệm vụ định kỳ (2026-Q1, 2026-11)")
    ask.add_argument("--json", action="store_true")
    ask.set_defaults(handler=command("notifier.cli_extensions", "request"))
    for name, words in (("approve", "đồng ý gia hạn"), ("reject", "không đồng ý (ghi lý do bằng --note)")):
        decide = sub.add_parser(name, help=words)
        decide.add_argument("id", type=int, help="số của đề nghị (xem: notifier extensions)")
        decide.add_argument("--note", default="", help="ý kiến, lý do")
        if name == "approve":
            decide.add_argument("--date", help="gia hạn đến ngày khác ngày đề nghị")
        decide.add_argument("--json", action="store_true")
        decide.set_defaults(handler=command("notifier.cli_extensions", name))  # approve, reject


def add_explanation_parsers(commands: Any) -> None:
    p = commands.add_parser("explanations", help="yêu cầu giải trình: danh sách, gửi yêu cầu, ghi nội dung giải trình")
    p.add_argument("--all", action="store_true", help="kể cả yêu cầu đã được giải trình")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=command("notifier.cli_explanations", "listing"))
    sub = p.add_subparsers(dest="explanations_command", metavar="ask | answer")
    ask = sub.add_parser("ask", help="yêu cầu đơn vị chủ trì giải trình một nhiệm vụ quá hạn")
    ask.add_argument("key", help="mã nhiệm vụ")
    ask.add_argument("--unit", help="đơn vị chủ trì cần giải trình (mặc định: đơn vị chủ trì duy nhất)")
    ask.add_argument("--question", default="", help="nội dung yêu cầu (tùy chọn)")
    ask.add_argument("--json", action="store_true")
    ask.set_defaults(handler=command("notifier.cli_explanations", "ask_one"))
    answer = sub.add_parser("answer", help="ghi nội dung giải trình đơn vị gửi văn phòng (văn bản, điện thoại)")
    answer.add_argument("id", type=int, help="số của yêu cầu (xem: notifier explanations)")
    answer.add_argument("--text", required=True, help="nội dung giải trình")
    answer.add_argument("--by", default="văn phòng (ghi thay)", help="người giải trình")
    answer.add_argument("--json", action="store_true")
    answer.set_defaults(handler=command("notifier.cli_explanations", "answer_one"))


def add_link_parsers(sub: Any) -> None:
    code = sub.add_parser("link-code", help="cấp mã một lần để liên kết nhóm chat với đơn vị (/dangky MÃ)")
    code.add_argument("unit")
    code.set_defaults(handler=command("notifier.cli_links", "link_code"))
    link_ = sub.add_parser("link", help="liên kết đơn vị với một nhóm chat (chat id) hay địa chỉ thư")
    link_.add_argument("unit")
    link_.add_argument("--telegram", metavar="CHAT_ID")
    link_.add_argument("--email", metavar="ADDRESS", action="append", default=[], help="lặp lại cho nhiều người")
    link_.add_argument("--zalo", metavar="CHAT_ID", action="append", default=[], help="nhóm, hoặc từng người")
    link_.set_defaults(handler=command("notifier.cli_links", "link"))
    unlink_ = sub.add_parser("unlink", help="bỏ liên kết đơn vị với kênh")
    unlink_.add_argument("unit")
    unlink_.add_argument("--telegram", action="store_true")
    unlink_.add_argument("--email", metavar="ADDRESS", nargs="?", const="*", help="một địa chỉ, hoặc mọi địa chỉ")
    unlink_.add_argument("--zalo", metavar="CHAT_ID", nargs="?", const="*", help="một cuộc trò chuyện, hoặc mọi")
    unlink_.set_defaults(handler=command("notifier.cli_links", "unlink"))
