"""The one place that reads the wall clock."""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.settings import SettingsError


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ClockFileError(SettingsError):
    """The clock file cannot be read as an instant."""


class FileClock:
    """For tests only (`SLABOT_CLOCK_FILE`): the file holds an ISO 8601 instant with its
    offset, and time runs on from that instant, at the wall clock's pace, since the file was
    last written. Writing the file again sets every process reading it to the new instant."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._seen: tuple[int, int] | None = None
        self._origin = datetime.min.replace(tzinfo=UTC)
        self._written = 0.0
        self.now()  # a missing or unreadable file fails at start, not at the first pass

    def now(self) -> datetime:
        with self._lock:
            try:
                stat = self.path.stat()
            except OSError as exc:
                raise ClockFileError(f"SLABOT_CLOCK_FILE {self.path}: {exc.strerror}") from None
            seen = (stat.st_mtime_ns, stat.st_size)
            if seen != self._seen:
                text = self.path.read_text().strip()
                try:
                    origin = datetime.fromisoformat(text)
                except ValueError:
                    raise ClockFileError(
                        f"SLABOT_CLOCK_FILE {self.path}: {text!r} is not an ISO 8601 instant"
                    ) from None
                if origin.tzinfo is None:
                    raise ClockFileError(
                        f"SLABOT_CLOCK_FILE {self.path}: {text!r} has no UTC offset"
                    )
                self._seen, self._origin = seen, origin.astimezone(UTC)
                self._written = stat.st_mtime_ns / 1e9
            return self._origin + timedelta(seconds=max(0.0, time.time() - self._written))


def set_clock_file(path: str | os.PathLike[str], at: datetime) -> None:
    """Point every process reading `path` at `at` (atomically: never a half-written file)."""
    if at.tzinfo is None:
        raise ValueError("a clock's time must be timezone-aware")
    target = Path(path)
    scratch = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    scratch.write_text(at.isoformat())
    os.replace(scratch, target)
