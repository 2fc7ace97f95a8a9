"""The shared send limits: a 429 holds its chat for every process and no other chat, and slows the
shared limits of the process that drew it, which regains its pace with calm. Real time is the
point here (the limiter's turns); each test asserts only what no machine's speed can change: a
turn held for 30 s is not granted within half a second, a free one is granted within ten."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from notifier.channels.base import ChannelError
from notifier.channels.ratelimit import Limit, Pace, RateLimiter

MINUTE = timedelta(minutes=1)


async def _granted(limiter: RateLimiter, limits: list[Limit], within: float) -> bool:
    async def take() -> None:
        async with limiter.turn(limits):
            pass

    try:
        await asyncio.wait_for(take(), within)
    except TimeoutError:
        return False
    return True


async def _draw_429(limiter: RateLimiter, limits: list[Limit], retry_after: float) -> None:
    with pytest.raises(ChannelError):
        async with limiter.turn(limits):
            raise ChannelError("429 Telegram yêu cầu chờ", retry_after=retry_after)


def test_a_429_holds_its_chat_for_every_process_and_no_other_chat(engine: Engine) -> None:
    here, elsewhere = RateLimiter(engine), RateLimiter(engine)
    chat = [Limit("tg:chat:-1", 1, timedelta(seconds=0.1))]  # without the hold, free again at once

    async def scenario() -> tuple[bool, bool, bool]:
        await _draw_429(here, chat, retry_after=30)
        return (
            await _granted(here, chat, 0.5),
            await _granted(elsewhere, chat, 0.5),
            await _granted(elsewhere, [Limit("tg:chat:-2", 1, timedelta(seconds=1))], 10),
        )

    assert asyncio.run(scenario()) == (False, False, True)


def test_a_429_halves_the_shared_limits_of_the_process_that_drew_it(engine: Engine) -> None:
    here, elsewhere = RateLimiter(engine), RateLimiter(engine)
    bot = [Limit("tg:bot", 4, MINUTE)]

    async def scenario() -> list[bool]:
        await _draw_429(here, bot, retry_after=1)  # that turn counts: 1 of 4 taken
        return [
            await _granted(here, bot, 10),  # 2 of the 2 this process may now take
            await _granted(here, bot, 0.5),  # halved: no third one here
            await _granted(elsewhere, bot, 10),  # another process keeps the whole limit: 3 of 4
            await _granted(elsewhere, bot, 10),  # 4 of 4
            await _granted(elsewhere, bot, 0.5),  # the limit itself is never exceeded
        ]

    assert asyncio.run(scenario()) == [True, False, True, True, False]


def test_a_slowed_pace_halves_with_each_429_and_comes_back_whole_over_a_minute_of_calm() -> None:
    start = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
    once = Pace().slowed(start)
    assert [once.now(start + timedelta(seconds=s)) for s in (0, 30, 60, 600)] == [0.5, 0.75, 1.0, 1.0]
    twice = once.slowed(start + timedelta(seconds=30))  # 0.75, halved
    assert twice.now(start + timedelta(seconds=30)) == 0.375
    floor = Pace()
    for _ in range(10):
        floor = floor.slowed(start)
    assert floor.now(start) == 0.125  # never slower than an eighth of the rate
