"""The scheduler's own process: the sweep and delivery, apart from the server answering Slack.

`slabot run` answers Slack in its main process and starts this one for the passes, so that
a catch-up pass over thousands of items runs on its own CPU (and, on a busy machine, at a
lower priority) instead of sharing one interpreter with the listeners. The server watches
it (`Supervisor`): a worker that dies is started again and counted in `/healthz`; a worker
whose server is gone stops by itself. SIGTERM or SIGINT stops it gracefully: no new pass
starts, and the pass under way finishes. It ignores SIGINT: Ctrl-C in a terminal reaches
the whole process group, and the server stops the worker in its turn.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from types import FrameType

from apscheduler.schedulers.background import BackgroundScheduler

from bot.container import Container
from bot.entrypoints.health import Heartbeat
from bot.entrypoints.root import configure_logging, worker_container
from bot.jobs.sweep import sweep

log = logging.getLogger(__name__)

#: how much kinder than the server the worker is to the CPU (`nice`), on a busy machine
NICENESS = 5


def sweep_pass(c: Container, heartbeat: Heartbeat) -> None:
    """One scheduled pass: a failure is logged and the next pass runs as usual."""
    try:
        report = sweep(c)
    except Exception:
        heartbeat.failed()
        log.exception("sweep pass failed; the next one runs as scheduled")
        return
    heartbeat.completed(c.clock.now())
    if report.busy():
        log.info("%s", report.line())


def start_scheduler(c: Container, heartbeat: Heartbeat) -> BackgroundScheduler:
    # a job run is not an event worth a line: the passes log what they did
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    scheduler = BackgroundScheduler(timezone="UTC")
    schedule(scheduler, c, heartbeat)
    scheduler.start()
    return scheduler


def schedule(scheduler: BackgroundScheduler, c: Container, heartbeat: Heartbeat) -> None:
    """A pass at start (catching up after downtime), then every `sweep_seconds`; delivery of
    what is owed every `deliver_seconds`. Neither job ever runs twice at once, and a job
    that fell behind runs once, not once per missed turn."""
    scheduler.add_job(
        sweep_pass,
        "interval",
        args=(c, heartbeat),
        seconds=c.settings.sweep_seconds,
        next_run_time=datetime.now(UTC),  # at once: the catch-up pass
        id="sweep",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
    )
    scheduler.add_job(
        c.deliver_quietly,
        "interval",
        seconds=c.settings.deliver_seconds,
        id="deliver-outbox",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
    )


def work(heartbeat: Heartbeat, restart: bool) -> None:
    """The worker process's body (spawned by `Supervisor`): its own container from the same
    environment as the server's, the scheduler, and a watch on the server."""
    stop = threading.Event()

    c: Container | None = None

    def asked_to_stop(signum: int, _frame: FrameType | None) -> None:
        log.info("scheduler: stopping (%s) after the pass under way", signal.Signals(signum).name)
        stop.set()
        if c is not None:
            c.deliverer.stop()  # the post in flight finishes; the rest is put back

    signal.signal(signal.SIGTERM, asked_to_stop)
    # Ctrl-C reaches the whole process group: the server stops this process in its turn
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    configure_logging(chatty=True)
    with contextlib.suppress(OSError):  # a platform that refuses: the worker runs as is
        os.nice(NICENESS)
    c = worker_container()
    heartbeat.worker_started(os.getpid(), restart=restart)
    scheduler = start_scheduler(c, heartbeat)
    server = multiprocessing.parent_process()
    try:
        while not stop.wait(0.5):
            if server is not None and not server.is_alive():
                log.warning("scheduler: the server process is gone; stopping")
                break
    finally:
        scheduler.shutdown(wait=True)
        c.close()


#: a worker that ran this long before it died is started again after the shortest pause
HEALTHY_SECONDS = 60.0


def pause_before_restart(previous: float | None, lived: float) -> float:
    """Seconds to wait before starting a worker that died after `lived` seconds: 1 s after
    its first death or one that ran a minute or more, else twice the last pause (`previous`),
    up to a minute, so a worker that cannot start does not spin."""
    if previous is None or lived >= HEALTHY_SECONDS:
        return 1.0
    return min(previous * 2, 60.0)


class Supervisor:
    """Starts the worker process, starts it again when it dies, and stops it on the way out."""

    def __init__(
        self,
        heartbeat: Heartbeat,
        *,
        grace_seconds: float = 25.0,
        target: Callable[[Heartbeat, bool], None] = work,
    ) -> None:
        self.heartbeat = heartbeat
        self.grace_seconds = grace_seconds
        self.target = target
        self._context = multiprocessing.get_context("spawn")
        self._stopping = threading.Event()
        self._process: multiprocessing.process.BaseProcess | None = None
        self._watcher: threading.Thread | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        self._spawn(restart=False)
        self._watcher = threading.Thread(target=self._watch, name="worker-watch", daemon=True)
        self._watcher.start()

    def _spawn(self, *, restart: bool) -> None:
        process = self._context.Process(
            target=self.target, args=(self.heartbeat, restart), name="slabot-scheduler"
        )
        process.start()
        self._process = process

    def _watch(self) -> None:
        pause: float | None = None
        started = time.monotonic()
        while not self._stopping.is_set():
            process = self._process
            assert process is not None
            process.join(timeout=0.5)
            if process.is_alive() or self._stopping.is_set():
                continue
            pause = pause_before_restart(pause, time.monotonic() - started)
            log.error(
                "the scheduler's process %s exited (code %s); starting another in %.0f s",
                process.pid,
                process.exitcode,
                pause,
            )
            if self._stopping.wait(pause):
                return
            self._spawn(restart=True)
            started = time.monotonic()

    def ask_to_stop(self) -> None:
        """Tell the worker to stop (SIGTERM), and start no other; `stop` waits for it."""
        self._stopping.set()
        process = self._process
        if process is not None and process.is_alive():
            process.terminate()

    def stop(self) -> None:
        """Ask the worker to stop (its pass under way finishes); kill it after the grace."""
        self._stopping.set()
        if self._watcher is not None:
            self._watcher.join(timeout=5)
        process = self._process
        if process is None or not process.is_alive():
            return
        process.terminate()
        process.join(timeout=self.grace_seconds)
        if process.is_alive():
            log.warning(
                "the scheduler's process did not stop within %.0f s; killing it",
                self.grace_seconds,
            )
            process.kill()
            process.join(timeout=5)
