"""`notifier run`: APScheduler only ticks; every tick plans (once a day), scans and dispatches.

All state is in the database, so a restart picks up exactly where the last process stopped.
SIGTERM or SIGINT stops the loop between two sends: the delivery in flight is finished and
recorded, nothing is cut off half-way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from datetime import date, datetime

import uvicorn
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from notifier.clock import VIETNAM, Clock, stopwatch, vietnam_time, wall_time
from notifier.runtime import Inbound, Runtime, beat, channels_open, daily_sync, run_pass, web_context
from notifier.web.app import create_app, make_server

log = logging.getLogger("notifier.daemon")

SHUTDOWN_GRACE_SECONDS = 60  # how long SIGTERM waits for the sends in flight
WEB_RETRY_SECONDS = 30
POLL_RESTART_SECONDS = 10  # a bot's polling loop that ended is started again after this pause


class Daemon:
    def __init__(self, runtime: Runtime, clock: Clock) -> None:
        self.runtime, self.clock, self.tick_seconds = runtime, clock, runtime.settings.tick_seconds
        self.stop = asyncio.Event()
        self.busy = asyncio.Lock()
        self.planned_for: date | None = None
        self.web: uvicorn.Server | None = None
        self.problem: str | None = None
        self.started_at = wall_time()  # real time: liveness, even on a fixed business clock

    async def tick(self) -> None:
        if self.stop.is_set():
            return
        async with self.busy:
            now = self.clock.now()
            try:
                await self._tick(now)
            except Exception:  # one bad tick must not end the daemon; the next one tries again
                log.exception("tick failed")

    async def _tick(self, now: datetime) -> None:
        started, today = stopwatch(), vietnam_time(now).date()
        if self.planned_for != today and await asyncio.to_thread(daily_sync, self.runtime, now):
            self.planned_for = today
        result = await run_pass(self.runtime, now, self.stop)
        beat_at, took = wall_time(), stopwatch() - started  # real time: liveness
        await asyncio.to_thread(beat, self.runtime.engine, self.started_at, beat_at, self.problem, took)
        if result.sent or result.reminders:
            log.info("tick: %d reminders, %d digests, %d sent", result.reminders, result.digests, result.sent)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop.set)
        scheduler = AsyncIOScheduler(timezone=VIETNAM)
        scheduler.add_job(
            self.tick,
            "interval",
            seconds=self.tick_seconds,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=int(self.tick_seconds),
            next_run_time=wall_time(),  # real time: the first tick is now, whatever the clock says
        )
        async with channels_open(self.runtime):
            polling = [asyncio.create_task(self._keep_polling(inbound)) for inbound in self.runtime.inbounds]
            serving = asyncio.create_task(self._serve_web())
            scheduler.start()
            log.info("notifier running; tick every %ss", self.tick_seconds)
            await self.stop.wait()
            # The tick in flight finishes the sends already on the wire and records them (it stops
            # between two sends); only then is the scheduler shut down, which would cancel it.
            held = await self._wait_for_tick()
            scheduler.shutdown(wait=False)
            try:
                await asyncio.gather(*polling)
                if self.web is not None:
                    self.web.should_exit = True
                await serving
            finally:
                if held:
                    self.busy.release()
            log.info("notifier stopped")

    async def _keep_polling(self, inbound: Inbound) -> None:
        """A bot's polling loop survives its own errors; should it end anyway (a bug, an error it
        does not catch), it is named in the heartbeat (`status`, /healthz) and started again after
        a pause, so presses and commands are never ignored until someone restarts the service."""
        name = type(inbound).__name__.removesuffix("Inbound")
        while not self.stop.is_set():
            try:
                await inbound.run(self.stop)
                if self.stop.is_set():
                    return
                failure = "dừng bất thường"
            except Exception as exc:  # anything that ended the loop is reported
                failure = f"lỗi {exc!r}"
            self.problem = f"nhận tin {name} {failure}; chạy lại sau {POLL_RESTART_SECONDS} giây"
            log.error("polling of %s ended (%s); restarting in %ss", name, failure, POLL_RESTART_SECONDS)
            beat_at = wall_time()  # real time: liveness
            await asyncio.to_thread(beat, self.runtime.engine, self.started_at, beat_at, self.problem)
            try:
                await asyncio.wait_for(self.stop.wait(), timeout=POLL_RESTART_SECONDS)
            except TimeoutError:
                self.problem = None if self.problem and self.problem.startswith(f"nhận tin {name} ") else self.problem

    async def _wait_for_tick(self) -> bool:
        """Wait (bounded) for the tick in flight; True when this holds the tick lock now."""
        try:
            await asyncio.wait_for(self.busy.acquire(), timeout=SHUTDOWN_GRACE_SECONDS)
            return True
        except TimeoutError:
            log.warning("the tick in flight did not finish within %ss; stopping anyway", SHUTDOWN_GRACE_SECONDS)
            return False

    async def _serve_web(self) -> None:
        """The office's pages, for as long as the daemon runs. A port that cannot be bound (another
        program holds it) must not stop the reminders: it is logged, shown in `notifier status`,
        and tried again every WEB_RETRY_SECONDS."""
        while not self.stop.is_set():
            self.web = self._web()
            if self.web is None:
                return
            try:
                await self.web.serve()
            except (OSError, SystemExit) as exc:  # uvicorn exits when it cannot bind
                log.debug("web server ended: %r", exc)
            if self.web.started or self.stop.is_set():
                self.problem = None
                return
            settings = self.runtime.settings
            problem = f"trang web không mở được cổng {settings.web_host}:{settings.web_port}; thử lại sau"
            log.error("%s (every %ss); reminders go on", problem, WEB_RETRY_SECONDS)
            self.problem = problem
            beat_at = wall_time()  # real time: liveness
            await asyncio.to_thread(beat, self.runtime.engine, self.started_at, beat_at, problem)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), timeout=WEB_RETRY_SECONDS)

    def _web(self) -> uvicorn.Server | None:
        """The web pages share the daemon's loop when there is a public address for links."""
        context = web_context(self.runtime)
        if context is None:
            return None
        settings = self.runtime.settings
        return make_server(create_app(context), settings.web_host, settings.web_port)
