"""What the service signs keeps verifying across versions: links already in inboxes, buttons
already in chats and the office's open sessions were signed before the signer was itsdangerous's.
The expected values below were made by the hand-written HMAC signer notifier used until then."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from notifier.channels.callbacks import CallbackSigner, ForgedCallback, Press
from notifier.channels.signed_links import AckLinks, BadLink
from notifier.channels.signing import CompactSigner
from notifier.web.auth import Sessions

SECRET = "test-secret-key-0123456789"
NOW = datetime(2026, 11, 27, 1, tzinfo=UTC)  # 08:00 in Vietnam
LINK = "42.1798333200.2qK3mYbR_qGtGiFjDLPNsy"  # delivery 42 to A@b.vn, 30 days
BUTTON = "d123456.7.qX6IJqtA0d6QeBvv"  # "done", delivery 123456, item 7
COOKIE = "vanphong|neYO_lcYsyCMpMjm|1795784400|3|P7uILateh8wy9XCAG4fLA5ni9Eka-faJ8DkcqRCHLHY"


def test_an_acknowledgement_link_from_an_earlier_version_still_verifies_for_its_recipient_only() -> None:
    links = AckLinks(SECRET, "https://nhacviec.example.vn", timedelta(days=30))
    assert links.token(42, "A@b.vn ", NOW) == LINK
    assert links.verify(LINK, "a@b.vn", NOW).delivery_id == 42
    with pytest.raises(BadLink):
        links.verify(LINK, "c@b.vn", NOW)


def test_a_button_from_an_earlier_version_still_decodes_and_an_altered_one_does_not() -> None:
    signer = CallbackSigner(SECRET)
    assert signer.encode("d", 123456, 7) == BUTTON
    assert signer.decode(BUTTON) == Press("done", 123456, 7)
    with pytest.raises(ForgedCallback):
        signer.decode(BUTTON.replace("d123456", "d123457"))


def test_an_open_session_from_an_earlier_version_stays_open_and_its_csrf_token_holds() -> None:
    sessions = Sessions(SECRET)
    claim = sessions.read(COOKIE, NOW)
    assert claim is not None and (claim.username, claim.epoch) == ("vanphong", 3)
    assert sessions.csrf_ok(claim, sessions.csrf(claim))
    assert not sessions.csrf_ok(claim, "x") and not sessions.csrf_ok(claim, None)
    assert sessions.read(COOKIE.replace("vanphong", "admin"), NOW) is None
    assert sessions.read(COOKIE, NOW + timedelta(hours=13)) is None  # past its 12 hours
    assert Sessions("another-secret-key-0123").read(COOKIE, NOW) is None


def test_a_signature_made_for_one_purpose_is_worthless_for_another() -> None:
    value = "42:1798333200:a@b.vn"
    link, button = CompactSigner(SECRET, "notifier-ack-link", 22), CompactSigner(SECRET, "notifier-callback", 22)
    assert link.valid(value, link.signature(value))
    assert not button.valid(value, link.signature(value))
