"""Chaos: several `notifier run` daemons share one database and are SIGKILLed and restarted at
random moments while they send hundreds of digests to a Bot API server that enforces Telegram's
flood limits (tests/fake_telegram.py: 429 past 1 message a second per chat, 20 a minute per
group, 30 a second per bot), and people press "Đã nhận" in the chats meanwhile.

From the server's own record: every digest the log holds was received, none twice unless the log
says it may have been (an interrupted send), each chat's digests in order, no 429 answered, and
every press recorded once. On PostgreSQL three replicas; on SQLite, the single-process default,
one daemon killed and restarted the same way (a second one would be refused).

Each of the plan's working days is a phase: the replicas run on that day's 08:00 (their clock is
fixed, as an operator's preview would be); the next phase starts them on the next day.
CHAOS_SECONDS lengthens the chaos (default 75 s on PostgreSQL, 40 s on SQLite)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.cli_runner import run_cli
from tests.fake_telegram import FakeTelegram, person
from tests.processes import first_seen, log_of
from tests.servers import free_port

UNITS = 60
DAYS = [date(2026, 12, 1), date(2026, 12, 2), date(2026, 12, 3), date(2026, 12, 4), date(2026, 12, 7)]
LEADERSHIP = "Lãnh đạo UBND xã"


def _unit(n: int) -> str:
    return f"Tổ công tác số {n:02d}"


def _chat(n: int) -> int:
    return -5000 - n


def _write_plan(workdir: Path) -> Path:
    """Every unit leads one task due on each day: each day it gets one digest (due today, and due
    on the next working day)."""
    rows = ["TT;Nhiệm vụ;Đơn vị chủ trì;Đơn vị phối hợp;Thời hạn hoàn thành"]
    for n in range(1, UNITS + 1):
        for k, day in enumerate(DAYS, start=1):
            deadline = f"Hoàn thành trước ngày {day.day}/{day.month}/2026"
            rows.append(f"{len(rows)};Báo cáo đợt {k} của tổ {n:02d};{_unit(n)};;{deadline}")
    path = workdir / "ke-hoach-thu-tai.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    units = workdir / "config" / "units.yaml"
    extra = "".join(f'  - name: {_unit(n)}\n    kind: tổ\n    head: ""\n\n' for n in range(1, UNITS + 1))
    units.write_text(units.read_text(encoding="utf-8").replace("\ngroups:", f"\n{extra}groups:", 1), encoding="utf-8")
    return path


@pytest.fixture
def bot(workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Iterator[FakeTelegram]:
    fake = FakeTelegram()
    fake.send_delay = 0.15  # a message lands before its answer comes back: kills then leave sends in doubt
    monkeypatch.setenv("TELEGRAM_API_URL", fake.start())
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", fake.token)
    monkeypatch.setenv("NOTIFIER_SECRET_KEY", "test-secret-key-0123456789")
    monkeypatch.setenv("NOTIFIER_RETRY_SECONDS", "1")
    monkeypatch.setenv("NOTIFIER_TICK_SECONDS", "1")
    monkeypatch.setenv("NOTIFIER_LOG_FORMAT", "json")
    plan = _write_plan(workdir)
    imported = run_cli(capsys, "--now", "2026-11-30T07:00", "import", str(plan), "--year", "2026", "--plan", "THU")
    assert imported.code == 0, imported.err
    for n in range(1, UNITS + 1):
        fake.add_chat(_chat(n), _unit(n))
        assert run_cli(capsys, "units", "link", _unit(n), "--telegram", str(_chat(n))).code == 0
    fake.add_chat(_chat(0), LEADERSHIP)
    assert run_cli(capsys, "units", "link", LEADERSHIP, "--telegram", str(_chat(0))).code == 0
    yield fake
    fake.stop()


@dataclass
class Cluster:
    """The replicas: each a real `notifier run` process with its own web port and log file."""

    workdir: Path
    size: int
    ports: list[int] = field(default_factory=list)
    processes: list[subprocess.Popen[bytes] | None] = field(default_factory=list)
    kills: int = 0
    starts: int = 0

    def __post_init__(self) -> None:
        self.ports = [free_port() for _ in range(self.size)]
        self.processes = [None] * self.size

    def start(self, i: int, day: date) -> None:
        log = open(self.workdir / f"replica-{i}.log", "ab")  # noqa: SIM115 - the child holds it
        env = {**os.environ, "NOTIFIER_WEB_PORT": str(self.ports[i])}
        self.processes[i] = subprocess.Popen(
            [sys.executable, "-m", "notifier", "run", "--now", f"{day.isoformat()}T08:00"],
            cwd=self.workdir,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        log.close()
        self.starts += 1

    def kill(self, i: int) -> None:
        process = self.processes[i]
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
            self.kills += 1
        self.processes[i] = None

    def stop_all(self) -> list[int]:
        """SIGTERM, as an operator stops the service: each finishes its sends and exits 0."""
        live = [p for p in self.processes if p is not None]
        for process in live:
            process.send_signal(signal.SIGTERM)
        return [process.wait(timeout=90) for process in live]


@pytest.fixture
def cluster(workdir: Path, database_url: str) -> Iterator[Cluster]:
    replicas = Cluster(workdir, 3 if database_url.startswith("postgresql") else 1)
    yield replicas
    for i in range(replicas.size):
        replicas.kill(i)


def _counts(database_url: str, query: str) -> dict[str, int]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return {str(k): int(v) for k, v in conn.execute(text(query)).all()}
    finally:
        engine.dispose()


class Presser:
    """People in the groups press "Đã nhận" on some of the digests they received."""

    def __init__(self, bot: FakeTelegram, rng: random.Random) -> None:
        self.bot, self.rng = bot, rng
        self.pressed: dict[int, str] = {}  # delivery id -> callback query id

    def press_some(self) -> None:
        for n in self.rng.sample(range(1, UNITS + 1), 3):
            for message in self.bot.messages(_chat(n)):
                delivery = message.delivery()
                received = [data for label, data in message.buttons() if label == "✅ Đã nhận"]
                if delivery is not None and received and delivery not in self.pressed:
                    user = person(9000 + n, f"Nguyễn Văn {n:02d}")
                    self.pressed[delivery] = self.bot.press(_chat(n), message.message_id, received[0], user)
                    break


def _run_chaos(cluster: Cluster, presser: Presser, rng: random.Random, seconds: float, database_url: str) -> None:
    """Each day: start every replica on its 08:00, kill one at random every few seconds (often
    enough that most sends have a kill near them, seldom enough that a restarted one gets going),
    until the day's time is up and its digests are sealed; then all die and the next day starts."""
    per_day, pause = seconds / len(DAYS), (2.0, 5.0) if cluster.size > 1 else (3.0, 8.0)
    for day in DAYS:
        sealed_before = _sealed(database_url)
        for i in range(cluster.size):
            cluster.start(i, day)
        ends = time.monotonic() + per_day
        while time.monotonic() < ends or _sealed(database_url) < sealed_before + UNITS:
            time.sleep(rng.uniform(*pause))
            victim = rng.randrange(cluster.size)
            cluster.kill(victim)
            cluster.start(victim, day)
            presser.press_some()
            assert time.monotonic() < ends + 120, f"the digests of {day} were not sealed"
        for i in range(cluster.size):
            cluster.kill(i)


def _sealed(database_url: str) -> int:
    query = "SELECT status, count(*) FROM digest WHERE status <> 'open' GROUP BY status"
    return sum(_counts(database_url, query).values())


def _run_to_quiet(cluster: Cluster, presser: Presser, database_url: str, timeout: float = 180) -> None:
    for i in range(cluster.size):
        cluster.start(i, DAYS[-1])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(2)
        waiting = _counts(database_url, "SELECT status, count(*) FROM delivery GROUP BY status")
        acked = _counts(database_url, "SELECT delivery_id, count(*) FROM ack GROUP BY delivery_id")
        if not {"pending", "sending"} & waiting.keys() and all(str(d) in acked for d in presser.pressed):
            return
    pytest.fail(f"not quiet after {timeout}s: {waiting}")


def _metrics(port: int) -> str:
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
                return str(response.read().decode())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


@pytest.mark.chaos
def test_replicas_killed_at_random_deliver_every_digest_once_in_order_within_flood_limits(
    bot: FakeTelegram, cluster: Cluster, database_url: str, workdir: Path
) -> None:
    rng = random.Random(int(os.environ.get("CHAOS_SEED", "11")))
    seconds = float(os.environ.get("CHAOS_SECONDS", "75" if cluster.size > 1 else "40"))
    presser = Presser(bot, rng)
    _run_chaos(cluster, presser, rng, seconds, database_url)
    _run_to_quiet(cluster, presser, database_url)
    scraped = _metrics(cluster.ports[0])
    assert cluster.stop_all() == [0] * cluster.size  # SIGTERM: each replica exits cleanly

    log = [r for r in log_of(workdir) if r["channel"] == "telegram"]
    received: dict[int, list[int]] = defaultdict(list)
    for n in range(UNITS + 1):
        received[_chat(n)] = [d for m in bot.messages(_chat(n)) if (d := m.delivery()) is not None]
    expected = {(int(r["target"]), r["id"]) for r in log if r["kind"] != "summary"}
    counts = Counter((chat, delivery) for chat, deliveries in received.items() for delivery in deliveries)
    lost = [key for key in expected if counts[key] == 0]
    flagged = {(int(r["target"]), r["id"]) for r in log if r["note"] and "có thể" in r["note"]}
    silent = [key for key, n in counts.items() if n > 1 and key not in flagged]
    disorder = [chat for chat, ids in received.items() if first_seen(ids) != sorted(first_seen(ids))]
    acks = {r["id"]: len(r["acks"]) for r in log if r["id"] in presser.pressed}
    print(
        f"\nchaos: {cluster.size} replicas, {cluster.starts} starts, {cluster.kills} kills; digests due "
        f"{len(expected)}, received {sum(counts.values())}, lost {len(lost)}, silent duplicates {len(silent)}, "
        f"flagged duplicates {sum(n - 1 for k, n in counts.items() if n > 1 and k in flagged)}, "
        f"429s {bot.flood_errors}, out of order {len(disorder)}; presses {len(presser.pressed)}, "
        f"acknowledgements {sum(acks.values())}"
    )
    assert cluster.kills >= 10 and len(expected) >= UNITS * len(DAYS)
    assert {r["status"] for r in log if r["kind"] != "summary"} == {"sent"}  # the office units have no chat
    told = {key for r in log for key in r["items"]}
    assert len(told) == UNITS * len(DAYS)  # every task reached its unit: no reminder put off
    assert lost == [] and silent == [] and disorder == []
    assert bot.flood_errors == 0
    assert presser.pressed and acks == dict.fromkeys(presser.pressed, 1)  # each press recorded, once
    gauges = {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in scraped.splitlines() if line[:1] != "#"}
    assert gauges['notifier_deliveries{status="sent"}'] == len(log)
    assert gauges["notifier_oldest_waiting_delivery_age_seconds"] == 0
    [poller] = [k for k in gauges if k.startswith('notifier_lease_expires_in_seconds{lease="poll:telegram"')]
    assert gauges[poller] > 0  # one replica polls the bot, and its lease runs
    assert gauges["notifier_tick_duration_seconds"] > 0 and gauges["notifier_daemon_up"] == 1
