"""Finding a unit by the name an operator typed (case, diacritics and spacing do not matter)."""

from __future__ import annotations

from sqlmodel import Session, select

from notifier.errors import InputError
from notifier.text.folding import fold
from notifier.units.models import Unit


def find_unit(session: Session, written: str, *, groups: bool = False) -> Unit:
    units = session.exec(select(Unit)).all()
    match = next((u for u in units if fold(u.name) == fold(written) and (groups or not u.is_group)), None)
    if match is None:
        raise InputError(f"không có đơn vị «{written}» (xem: notifier units)")
    return match
