#!/usr/bin/env python3
"""Telegram delivery against the local Bot API server of the tests (tests/fake_telegram.py):

1. time to deliver N digests to G groups, set against the least time Telegram's limits allow
   (30 messages a second per bot; 1 a second per chat; 20 a minute per group) — the ratio is the figure;
2. latency from a button press to the acknowledgement being recorded, with the inbound loop
   long-polling as the daemon does.

    .venv/bin/python bench/telegram_bench.py [--digests 1000] [--groups 50] [--presses 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import Session, select  # noqa: E402

from notifier.clock import Clock  # noqa: E402
from notifier.db.engine import open_database  # noqa: E402
from notifier.delivery.models import Ack  # noqa: E402
from notifier.runtime import build_runtime, channels_open, run_pass  # noqa: E402
from notifier.schedule.models import Digest  # noqa: E402
from notifier.settings import load_settings  # noqa: E402
from notifier.units.directory import load_directory  # noqa: E402
from notifier.units.links import attach  # noqa: E402
from notifier.units.sync import sync_directory  # noqa: E402
from tests.fake_telegram import FakeTelegram, person  # noqa: E402

NOW = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)


def prepare(workdir: Path, fake: FakeTelegram, digests: int, groups: int) -> None:
    shutil.copytree(ROOT / "config", workdir / "config")
    units = "\n".join(f"  - name: Đơn vị {g:03d}\n    kind: phòng" for g in range(groups))
    (workdir / "config" / "units.yaml").write_text(f"units:\n{units}\n", encoding="utf-8")
    os.environ.update(
        {
            "NOTIFIER_DATA_DIR": str(workdir / "data"),
            "NOTIFIER_CONFIG_DIR": str(workdir / "config"),
            "TELEGRAM_BOT_TOKEN": fake.token,
            "TELEGRAM_API_URL": fake.url,
            "NOTIFIER_SECRET_KEY": "bench-secret-key-0123456789",
        }
    )
    os.environ.pop("DATABASE_URL", None)
    settings = load_settings(env_file=None)
    engine = open_database(settings)
    with Session(engine) as session:
        units_by_name = sync_directory(session, load_directory(settings.units_file))
        for g in range(groups):
            fake.add_chat(-5000 - g, f"Nhóm {g}")
            attach(session, units_by_name[f"Đơn vị {g:03d}"], "telegram", str(-5000 - g))
        for k in range(digests):
            unit = units_by_name[f"Đơn vị {k % groups:03d}"]
            session.add(
                Digest(
                    key=f"bench:{k}",
                    unit_id=unit.id or 0,
                    role="unit",
                    kind="leadership",
                    send_at=NOW - timedelta(minutes=1),
                )
            )
        session.commit()
    engine.dispose()


async def deliver(digests: int) -> float:
    settings = load_settings(env_file=None)
    runtime = build_runtime(settings, open_database(settings), Clock(NOW))
    started = time.perf_counter()
    async with channels_open(runtime):
        result = await run_pass(runtime, NOW)
    assert result.sent == digests, result
    return time.perf_counter() - started


async def press_latency(fake: FakeTelegram, presses: int) -> list[float]:
    settings = load_settings(env_file=None)
    engine = open_database(settings)
    runtime = build_runtime(settings, engine, Clock(NOW))
    [inbound] = runtime.inbounds
    stop = asyncio.Event()
    latencies = []
    async with channels_open(runtime):
        polling = asyncio.create_task(inbound.run(stop))
        for g in range(presses):
            message = fake.messages(-5000 - g)[0]
            data = next(d for text, d in message.buttons() if text == "✅ Đã nhận")
            started = time.perf_counter()
            fake.press(-5000 - g, message.message_id, data, person(900 + g, "Người Bấm"))
            while not _acked(engine, g):
                await asyncio.sleep(0.005)
            latencies.append(time.perf_counter() - started)
            print(f"  press {g}: {latencies[-1] * 1000:.0f} ms", file=sys.stderr) if os.environ.get(
                "BENCH_VERBOSE"
            ) else None
        stop.set()
        await polling
    return latencies


def _acked(engine: object, g: int) -> bool:
    with Session(engine) as session:  # type: ignore[call-overload]
        return session.exec(select(Ack).where(Ack.by_id == str(900 + g))).first() is not None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--digests", type=int, default=1000)
    parser.add_argument("--groups", type=int, default=50)
    parser.add_argument("--presses", type=int, default=20)
    args = parser.parse_args()
    fake = FakeTelegram()
    fake.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            prepare(Path(tmp), fake, args.digests, args.groups)
            seconds = asyncio.run(deliver(args.digests))
            per_chat = args.digests / args.groups
            least = max(args.digests / 30, per_chat - 1, (per_chat - 20) / 20 * 60 if per_chat > 20 else 0)
            print(
                f"{args.digests} digests to {args.groups} groups: {seconds:.1f} s; least the limits allow "
                f"{least:.1f} s; ratio {seconds / least:.2f}; 429 answers: {fake.flood_errors}"
            )
            latencies = asyncio.run(press_latency(fake, min(args.presses, args.groups)))
            print(
                f"button press → acknowledgement recorded: median {statistics.median(latencies) * 1000:.0f} ms, "
                f"max {max(latencies) * 1000:.0f} ms over {len(latencies)} presses"
            )
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
