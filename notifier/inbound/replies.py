"""What both chat bots answer in words: a link code's outcome and the unit's open tasks (/nhiemvu),
written once; ``chat`` names the place as the channel's users call it ("nhóm này" on Telegram,
"cuộc trò chuyện này" on Zalo)."""

from __future__ import annotations

from sqlmodel import Session

from notifier.actions.answers import open_items
from notifier.delivery.render import environment
from notifier.inbound.context import InboundContext
from notifier.units.links import Redeemed, unit_for_target

REDEEM_ANSWERS = {
    Redeemed.LINKED: "Đã liên kết: {chat} nhận nhắc việc của đơn vị «{unit}».",
    Redeemed.UNKNOWN: "Mã «{code}» không đúng. Hãy kiểm tra lại mã văn phòng đã cấp.",
    Redeemed.USED: "Mã «{code}» đã được dùng. Hãy xin văn phòng mã mới.",
    Redeemed.EXPIRED: "Mã «{code}» đã hết hạn. Hãy xin văn phòng mã mới.",
}


def redeem_answer(outcome: Redeemed, *, chat: str, unit: str, code: str) -> str:
    return REDEEM_ANSWERS[outcome].format(chat=chat, unit=unit, code=code)


def open_tasks_text(context: InboundContext, channel: str, chat_id: str, *, chat: str, template: str) -> str:
    """The linked unit's open tasks, nearest deadline first, or how to link the chat."""
    with Session(context.engine) as session:
        unit = unit_for_target(session, channel, chat_id)
        if unit is None:
            return f"{chat.capitalize()} chưa liên kết với đơn vị nào. Hãy gửi /dangky MÃ (mã do văn phòng cấp)."
        items = open_items(session, unit, context.policy, context.clock())
        name = unit.name
    return environment(context.templates).get_template(template).render(unit=name, items=items).strip()
