"""Zalo end to end against a local Zalo Bot Platform server: linking in a group and privately, a
digest split in two, acknowledgement by text in every form, unknown and foreign codes, a blocked
bot and an exhausted quota."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli_runner import run_cli
from tests.conftest import SAMPLE
from tests.fake_zalo import FakeZalo, zalo_user

VH = "Phòng Văn hóa - Xã hội"
VP = "Văn phòng HĐND và UBND xã"
GROUP = "grp.vhxh.thaitan"
HEAD = "u.truongvanphong"
STRANGER = "u.nguoila"
AN = zalo_user("u.an", "Lê Văn An")
BINH = zalo_user("u.binh", "Phạm Thị Bình")
AT_8 = "2026-11-27T08:00"


@pytest.fixture
def zalo(workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Iterator[FakeZalo]:
    fake = FakeZalo()
    monkeypatch.setenv("ZALO_API_URL", fake.start())
    monkeypatch.setenv("ZALO_BOT_TOKEN", fake.token)
    monkeypatch.setenv("NOTIFIER_RETRY_SECONDS", "1")
    fake.add_chat(GROUP, "GROUP")
    fake.add_chat(HEAD, "PRIVATE")
    fake.add_chat(STRANGER, "PRIVATE")
    assert run_cli(capsys, "import", str(SAMPLE)).code == 0
    yield fake
    fake.stop()


def _once(capsys: pytest.CaptureFixture[str], at: str = AT_8) -> None:
    result = run_cli(capsys, "run", "--once", "--now", at)
    assert result.code == 0, result.err


def _code(output: str) -> str:
    m = re.search(r": ([A-Z2-9]{6})\n", output)
    assert m, output
    return m.group(1)


@pytest.fixture
def linked(zalo: FakeZalo, capsys: pytest.CaptureFixture[str]) -> FakeZalo:
    assert run_cli(capsys, "units", "link", VH, "--zalo", GROUP).code == 0
    assert run_cli(capsys, "units", "link", VP, "--zalo", HEAD).code == 0
    return zalo


def _digest_id(fake: FakeZalo, chat: str) -> int:
    first = next(t for t in fake.texts(chat) if t.startswith("[Nhắc việc]"))
    m = re.search(r"mã #R(\d+)", first)
    assert m, first
    return int(m.group(1))


def test_a_group_links_by_mention_and_a_person_privately(zalo: FakeZalo, capsys: pytest.CaptureFixture[str]) -> None:
    group_code = _code(run_cli(capsys, "units", "link-code", VH).out)
    private_code = _code(run_cli(capsys, "units", "link-code", VP).out)
    zalo.say(GROUP, f"@Nhắc việc /dangky {group_code}", AN)
    zalo.say(HEAD, f"/dangky {private_code}", BINH)
    zalo.say(STRANGER, f"/dangky {group_code}", BINH)
    zalo.say(STRANGER, "/dangky SAIMA9", BINH)
    _once(capsys)
    assert zalo.texts(GROUP)[0] == f"Đã liên kết: cuộc trò chuyện này nhận nhắc việc của đơn vị «{VH}»."
    assert zalo.texts(HEAD)[0] == f"Đã liên kết: cuộc trò chuyện này nhận nhắc việc của đơn vị «{VP}»."
    assert zalo.texts(STRANGER) == [
        f"Mã «{group_code}» đã được dùng. Hãy xin văn phòng mã mới.",
        "Mã «SAIMA9» không đúng. Hãy kiểm tra lại mã văn phòng đã cấp.",
    ]
    units = {u["name"]: u for u in run_cli(capsys, "units", "--json").json()}
    assert [(link["channel"], link["target"]) for link in units[VH]["links"]] == [("zalo", GROUP)]


def test_a_long_digest_is_split_cleanly_within_2000_characters(
    linked: FakeZalo, capsys: pytest.CaptureFixture[str]
) -> None:
    _once(capsys)
    digest = _digest_id(linked, GROUP)
    parts = [t for t in linked.texts(GROUP) if "#R" in t and "Tổng hợp tuần" not in t]
    assert len(parts) == 2 and all(len(p) <= 2000 for p in parts)
    assert parts[0].startswith(f"[Nhắc việc] {VH} — 27/11/2026 — mã #R{digest}")
    assert f"[#R{digest}-1] 1.2. Ban hành Kế hoạch" in parts[0]
    assert parts[1].rstrip().endswith("để được nhắc lại ngày làm việc sau.")
    assert all("\n[#R" not in p[-30:] for p in parts)  # never cut inside an item
    log = next(r for r in run_cli(capsys, "log", "--json").json() if r["unit"] == VH and r["kind"] == "reminder")
    assert (log["channel"], log["target"], log["status"]) == ("zalo", GROUP, "sent")


def _acks(capsys: pytest.CaptureFixture[str], unit: str) -> list[tuple[str, str]]:
    log = next(r for r in run_cli(capsys, "log", "--json").json() if r["unit"] == unit and r["kind"] == "reminder")
    return [(a["by"], a["action"]) for a in log["acks"]]


def test_every_acknowledgement_phrase_is_understood(linked: FakeZalo, capsys: pytest.CaptureFixture[str]) -> None:
    _once(capsys)
    digest = _digest_id(linked, GROUP)
    first = linked.messages(GROUP)[0].message_id
    linked.say(GROUP, f"@Nhắc việc #R{digest} đã nhận", AN)
    linked.say(GROUP, f"#r{digest}-2 xong", BINH)  # item 2 is 4.8
    linked.say(GROUP, "da nhan", BINH, quote=first)
    linked.say(GROUP, f"#R{digest} nhac lai", AN)
    _once(capsys, "2026-11-27T08:30")
    answers = linked.texts(GROUP)[-4:]
    assert answers == [
        "Đã ghi nhận: đơn vị đã nhận bản tin.",
        "Nhiệm vụ 4.8: đã ghi nhận; chờ văn phòng xác nhận.",
        "Đã có xác nhận trước: Lê Văn An, 08:30 27/11/2026.",
        "Sẽ nhắc lại vào ngày 30/11/2026.",
    ]
    assert _acks(capsys, VH) == [("Lê Văn An", "received"), ("Phạm Thị Bình", "done"), ("Lê Văn An", "snooze")]
    task = next(t for t in run_cli(capsys, "tasks", "--json").json() if t["number"] == "4.8")
    assert task["status"] == "reported"


def test_ok_quoting_the_digest_acknowledges_a_private_digest(
    linked: FakeZalo, capsys: pytest.CaptureFixture[str]
) -> None:
    _once(capsys)
    quoted = next(m for m in linked.messages(HEAD) if m.text.startswith("[Nhắc việc]")).message_id
    linked.say(HEAD, "OK", BINH, quote=quoted)
    _once(capsys, "2026-11-27T09:00")
    assert linked.texts(HEAD)[-1] == "Đã ghi nhận: đơn vị đã nhận bản tin."
    assert _acks(capsys, VP) == [("Phạm Thị Bình", "received")]


def test_unknown_and_foreign_codes_change_nothing(linked: FakeZalo, capsys: pytest.CaptureFixture[str]) -> None:
    _once(capsys)
    group_digest = _digest_id(linked, GROUP)
    linked.say(GROUP, "#R999 đã nhận", AN)
    linked.say(HEAD, f"#R{group_digest} đã nhận", BINH)  # a digest sent to another chat
    linked.say(GROUP, f"#R{group_digest} hôm nay trời đẹp", AN)
    linked.say(GROUP, "đã nhận", AN)  # no code and nothing quoted
    linked.say(GROUP, "Chào cả nhóm", AN)  # not for the bot: no answer
    _once(capsys, "2026-11-27T09:00")
    assert linked.texts(GROUP)[-3:] == [
        "Không tìm thấy bản tin #R999 trong cuộc trò chuyện này.",
        "Không hiểu câu trả lời. Hãy trả lời theo mã trong bản tin, ví dụ: «#R12 đã nhận», «#R12-3 xong», "
        "«#R12 nhắc lại». Gõ /trogiup để xem hướng dẫn.",
        "Hãy ghi mã bản tin, ví dụ «#R12 đã nhận», hoặc trả lời (trích dẫn) chính bản tin.",
    ]
    assert linked.texts(HEAD)[-1] == f"Không tìm thấy bản tin #R{group_digest} trong cuộc trò chuyện này."
    assert _acks(capsys, VH) == [] and _acks(capsys, VP) == []


def test_help_and_task_list(linked: FakeZalo, capsys: pytest.CaptureFixture[str]) -> None:
    linked.say(GROUP, "@Nhắc việc /trogiup", AN)
    linked.say(GROUP, "/nhiemvu", AN)
    _once(capsys)
    texts = linked.texts(GROUP)
    assert any("hệ thống nhắc việc tự động" in t for t in texts)  # people are told they talk to a machine
    tasks = next(t for t in texts if t.startswith("Nhiệm vụ đang mở"))
    assert tasks.startswith(f"Nhiệm vụ đang mở của {VH}") and "4.8." in tasks


def test_a_blocked_bot_breaks_the_link(linked: FakeZalo, capsys: pytest.CaptureFixture[str]) -> None:
    linked.blocked.add(HEAD)
    _once(capsys)
    log: dict[tuple[str, str], Any] = {(r["unit"], r["kind"]): r for r in run_cli(capsys, "log", "--json").json()}
    assert log[(VP, "reminder")]["status"] == "failed" and log[(VP, "reminder")]["error"].startswith("403")
    assert log[(VH, "reminder")]["status"] == "sent"
    assert f"{VP} (zalo: {HEAD})" in run_cli(capsys, "status", "--json").json()["failing_links"]
    units = {u["name"]: u for u in run_cli(capsys, "units", "--json").json()}
    assert units[VP]["links"][0]["status"] == "broken"


def test_an_exhausted_quota_waits_and_keeps_order(linked: FakeZalo, capsys: pytest.CaptureFixture[str]) -> None:
    linked.quota_left = 0
    _once(capsys)
    log = [r for r in run_cli(capsys, "log", "--json").json() if r["channel"] == "zalo"]
    first = [r for r in log if r["error"]]
    assert {r["status"] for r in log} == {"pending"} and first
    assert all(r["error"].startswith("429 Quota exceeded") for r in first)
    assert all(r["attempts"] == 0 for r in log)  # a quota wait is no failed attempt; later ones wait their turn


def test_a_unit_asks_for_more_time_with_a_code_and_a_late_one_is_sent_to_the_office(
    linked: FakeZalo, capsys: pytest.CaptureFixture[str]
) -> None:
    _once(capsys)
    digest = _digest_id(linked, GROUP)
    linked.say(GROUP, f"#R{digest}-3 gia hạn 15/1/2027 lý do Chờ kinh phí của thành phố", AN)
    linked.say(GROUP, f"#R{digest}-2 gia hạn 30/12/2026 lý do muộn", BINH)  # item 2 (4.8) is overdue
    linked.say(GROUP, f"#R{digest}-3 gia hạn", AN)
    _once(capsys, "2026-11-27T09:00")
    first, late, bare = linked.texts(GROUP)[-3:]
    assert re.fullmatch(
        r"Đã ghi nhận đề nghị gia hạn số 1: nhiệm vụ [\d.]+ đến ngày 15/01/2027\. Văn phòng sẽ báo lại quyết định\.",
        first,
    ), first
    assert (
        late
        == "Chưa ghi nhận đề nghị gia hạn: nhiệm vụ đã quá hạn từ 31/03/2026: đề nghị gia hạn xin gửi qua văn phòng."
    )
    assert bare.startswith("Để xin gia hạn, ghi mã mục, ngày và lý do")
    [asked] = run_cli(capsys, "extensions", "--json").json()
    assert (asked["unit"], asked["requested_due"], asked["requested_via"], asked["requested_by"], asked["reason"]) == (
        VH,
        "2027-01-15",
        "zalo",
        "Lê Văn An",
        "Chờ kinh phí của thành phố",
    )
    # The office decides; the unit hears it in the same chat at the next pass, in office hours.
    assert (
        run_cli(
            capsys,
            "extensions",
            "approve",
            "1",
            "--date",
            "10/1/2027",
            "--note",
            "Đồng ý, khẩn trương",
            "--now",
            "2026-11-27T09:30",
        ).code
        == 0
    )
    _once(capsys, "2026-11-27T09:35")
    notice = linked.texts(GROUP)[-1]
    assert notice.startswith("[Nhắc việc] Đề nghị gia hạn số 1 — ĐỒNG Ý\nNhiệm vụ ")
    assert "Được gia hạn đến ngày 10/01/2027 (hạn cũ 31/12/2026)" in notice and "Ý kiến: Đồng ý, khẩn trương" in notice
    log = [r for r in run_cli(capsys, "log", "--json").json() if r["kind"] == "notice"]
    assert [(r["unit"], r["channel"], r["status"]) for r in log] == [(VH, "zalo", "sent")]
    _once(capsys, "2026-11-27T10:00")
    assert linked.texts(GROUP)[-1] == notice  # told once


LEADERS_CHAT = "u.chutich"
CHU_TICH = zalo_user("u.chutich", "Lê Văn Chủ")


def test_leadership_decides_with_the_question_code_only_in_its_own_chat(
    linked: FakeZalo, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = workdir / "config" / "policy.yaml"
    text = policy.read_text(encoding="utf-8").replace("  decided_by: office ", "  decided_by: leadership ")
    policy.write_text(text.replace("units_after_due: false", "units_after_due: true"), encoding="utf-8")
    linked.add_chat(LEADERS_CHAT, "PRIVATE")
    assert run_cli(capsys, "units", "link", "Lãnh đạo UBND xã", "--zalo", LEADERS_CHAT).code == 0
    _once(capsys)
    digest = _digest_id(linked, GROUP)
    linked.say(GROUP, f"#R{digest}-3 gia hạn 15/1/2027 lý do Chờ kinh phí", AN)
    linked.say(GROUP, f"#R{digest}-1 gia hạn 20/1/2027 lý do Chờ ý kiến", AN)  # overdue: allowed by this policy
    _once(capsys, "2026-11-27T09:00")
    assert linked.texts(GROUP)[-1].endswith("Lãnh đạo sẽ báo lại quyết định.")
    _once(capsys, "2026-11-27T09:05")
    questions = [t for t in linked.texts(LEADERS_CHAT) if "xin ý kiến lãnh đạo" in t]
    assert len(questions) == 2
    codes = [int(m) for t in questions for m in re.findall(r"mã #R(\d+)", t)]
    assert f"Trả lời «#R{codes[0]} đồng ý» để đồng ý" in questions[0]
    linked.say(GROUP, f"#R{codes[0]} đồng ý", AN)  # the unit cannot decide its own request
    linked.say(LEADERS_CHAT, f"#R{codes[0]} đồng ý", CHU_TICH)
    linked.say(LEADERS_CHAT, f"#R{codes[0]} không đồng ý lý do đổi ý", CHU_TICH)  # decided already
    linked.say(LEADERS_CHAT, f"#R{codes[1]} không đồng ý", CHU_TICH)
    linked.say(LEADERS_CHAT, f"#R{codes[1]} không đồng ý lý do Chưa có báo cáo tiến độ", CHU_TICH)
    linked.say(LEADERS_CHAT, f"#R{digest} đồng ý", CHU_TICH)  # a reminder, not a question, and not theirs
    _once(capsys, "2026-11-27T10:00")
    assert linked.texts(GROUP)[-1] == f"Không tìm thấy bản tin #R{codes[0]} trong cuộc trò chuyện này."
    assert linked.texts(LEADERS_CHAT)[-5:] == [
        "Đã đồng ý gia hạn đến ngày 15/01/2027 (đề nghị số 1). Đơn vị sẽ được báo.",
        "Đề nghị gia hạn số 1 đã được quyết định: đã đồng ý (Lê Văn Chủ (lãnh đạo)).",
        "Hãy ghi lý do không đồng ý để báo lại đơn vị, ví dụ «không đồng ý, lý do: …».",
        "Đã ghi nhận không đồng ý đề nghị gia hạn số 2. Đơn vị sẽ được báo kèm lý do.",
        f"Không tìm thấy bản tin #R{digest} trong cuộc trò chuyện này.",
    ]
    decided = {e["id"]: e for e in run_cli(capsys, "extensions", "--all", "--json").json()}
    assert (decided[1]["status"], decided[1]["approved_due"]) == ("approved", "2027-01-15")
    assert (decided[2]["status"], decided[2]["decision_note"]) == ("rejected", "Chưa có báo cáo tiến độ")
    _once(capsys, "2026-11-27T10:05")
    notices = [t for t in linked.texts(GROUP) if t.startswith("[Nhắc việc] Đề nghị gia hạn số")]
    assert [n.split("\n")[0] for n in notices] == [
        "[Nhắc việc] Đề nghị gia hạn số 1 — ĐỒNG Ý",
        "[Nhắc việc] Đề nghị gia hạn số 2 — KHÔNG ĐỒNG Ý",
    ]


def test_leadership_asks_an_explanation_by_code_and_the_unit_answers_with_the_question_code(
    linked: FakeZalo, capsys: pytest.CaptureFixture[str]
) -> None:
    linked.add_chat(LEADERS_CHAT, "PRIVATE")
    assert run_cli(capsys, "units", "link", "Lãnh đạo UBND xã", "--zalo", LEADERS_CHAT).code == 0
    _once(capsys)
    escalation = next(t for t in linked.texts(LEADERS_CHAT) if t.startswith("[Nhắc việc] Kính gửi"))
    assert "-N giải trình» để yêu cầu đơn vị chủ trì mục N giải trình" in escalation
    item = next(m for m in re.finditer(r"\[#R(\d+)-(\d+)\] 4\.8\.", escalation))
    linked.say(LEADERS_CHAT, f"#R{item.group(1)}-{item.group(2)} giải trình", CHU_TICH)
    linked.say(GROUP, f"#R{item.group(1)}-{item.group(2)} giải trình", AN)  # not sent to the unit's group
    _once(capsys, "2026-11-27T09:00")
    assert linked.texts(LEADERS_CHAT)[-1] == f"Đã gửi yêu cầu giải trình số 1 tới {VH} (nhiệm vụ 4.8)."
    assert linked.texts(GROUP)[-1] == f"Không tìm thấy bản tin #R{item.group(1)} trong cuộc trò chuyện này."
    _once(capsys, "2026-11-27T09:05")
    question = next(t for t in linked.texts(GROUP) if t.startswith("[Nhắc việc] Yêu cầu giải trình số 1"))
    code = re.search(r"mã #R(\d+)", question)
    assert code and f"trả lời «#R{code.group(1)} nội dung giải trình…» hoặc trích dẫn tin này." in question
    linked.say(GROUP, f"#R{code.group(1)} đã nhận", AN)  # a receipt, not an explanation
    _once(capsys, "2026-11-27T09:30")
    assert linked.texts(GROUP)[-1].startswith("Đã ghi nhận: đơn vị đã nhận")
    assert run_cli(capsys, "explanations", "--json").json()[0]["status"] == "waiting"
    linked.say(GROUP, f"#R{code.group(1)} giải trình: Đã tổ chức giám sát, đang hoàn thiện báo cáo", BINH)
    linked.say(GROUP, f"#R{code.group(1)} bổ sung thêm", AN)
    _once(capsys, "2026-11-27T10:00")
    assert linked.texts(GROUP)[-2:] == [
        "Đã ghi nhận nội dung giải trình (yêu cầu số 1). Lãnh đạo và văn phòng sẽ xem.",
        "Chưa ghi nhận giải trình: yêu cầu giải trình số 1 đã được trả lời (Phạm Thị Bình, 10:00 27/11/2026).",
    ]
    [record] = run_cli(capsys, "explanations", "--all", "--json").json()
    assert (record["answer"], record["answered_by"], record["answered_via"], record["asked_via"]) == (
        "Đã tổ chức giám sát, đang hoàn thiện báo cáo",
        "Phạm Thị Bình",
        "zalo",
        "zalo",
    )
    _once(capsys, "2026-11-27T10:05")
    told = linked.texts(LEADERS_CHAT)[-1]
    assert told.startswith(f"[Nhắc việc] Giải trình số 1 — {VH}\n")
    assert "Nội dung giải trình: Đã tổ chức giám sát, đang hoàn thiện báo cáo" in told
