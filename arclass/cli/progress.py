"""What the command line shows on stderr: a progress line, a summary, and signals as exits."""

from __future__ import annotations

import sys
import time
from typing import IO, Callable

__all__ = ["Tally", "Progress", "exit_on_signals"]


class Tally:
    """Counts of results: read, tagged and failed."""

    def __init__(self) -> None:
        self.read = self.failed = 0
        self.started = time.monotonic()

    @property
    def tagged(self) -> int:
        return self.read - self.failed

    def add(self, count: int, failed: int) -> None:
        self.read += count
        self.failed += failed

    def summary(self) -> str:
        seconds = time.monotonic() - self.started
        rate = self.read / seconds if seconds > 0 else 0.0
        took = f"{seconds:.1f} s" if seconds < 60 else _clock(seconds)
        return (f"{self.read:,} record{'' if self.read == 1 else 's'} read, {self.tagged:,} tagged, "
                f"{self.failed:,} failed ({took}, {rate:,.0f} records/s)")


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """A one-line progress report (records done and failed, rate, elapsed) redrawn on a terminal.

    Draws nothing unless ``enabled`` (by default: ``stream`` is a terminal),
    and nothing in the first ``delay`` seconds. With ``total`` (bytes of
    input) and ``read`` (a function giving the bytes read so far), it also
    shows the share done and the time left.
    """

    def __init__(self, stream: IO[str] | None = None, enabled: bool | None = None,
                 interval: float = 0.25, delay: float = 1.0, total: int | None = None,
                 read: Callable[[], int] | None = None) -> None:
        self.total = total
        self.read = read
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            enabled = bool(isatty and isatty())
        self.enabled = enabled
        self.interval = interval
        self.done = self.failed = 0
        self.started = time.monotonic()
        self.last = self.started + delay - interval  # short runs draw nothing
        self.width = 0

    def update(self, n: int, failed: int = 0) -> None:
        """Count ``n`` more records, ``failed`` of them failed; redraw now and then."""
        self.done += n
        self.failed += failed
        now = time.monotonic()
        if self.enabled and now - self.last >= self.interval:
            self.last = now
            elapsed = now - self.started
            failures = f" ({self.failed:,} failed)" if self.failed else ""
            line = f"{self.done:,} records{failures}  {self.done / elapsed:,.0f}/s  {_clock(elapsed)}"
            if self.total and self.read is not None:
                share = min(1.0, self.read() / self.total)
                left = elapsed * (1 - share) / share if share > 0 else 0.0
                line = f"{100 * share:3.0f}%  {line}  ETA {_clock(left)}"
            self.stream.write("\r" + line.ljust(self.width))
            self.stream.flush()
            self.width = len(line)

    def close(self) -> None:
        """Erase the line."""
        if self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.width = 0


#: Signals whose default is to end the process: each becomes ``SystemExit(128 + n)``,
#: so that cleanups run (an unfinished ``-o`` file is removed).
_ENDING_SIGNALS = ("SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGVTALRM",
                   "SIGPROF", "SIGXCPU", "SIGXFSZ", "SIGPWR", "SIGIO")


class exit_on_signals:
    """Within ``with``, every catchable signal that would end the process raises ``SystemExit``.

    ``kill`` then behaves like Ctrl-C: context managers such as
    :class:`arclass.io.atomic.atomic_writer` remove their temporary files.
    Does nothing outside the main thread (signals cannot be handled there).
    """

    def __enter__(self) -> "exit_on_signals":
        import signal
        import threading

        self.previous: dict = {}
        if threading.current_thread() is threading.main_thread():
            for name in _ENDING_SIGNALS:
                number = getattr(signal, name, None)
                if number is not None and signal.getsignal(number) == signal.SIG_DFL:
                    self.previous[number] = signal.signal(number, _ended)
        return self

    def __exit__(self, *exc) -> None:
        import signal

        for number, handler in self.previous.items():
            signal.signal(number, handler)


def _ended(signum, frame) -> None:
    raise SystemExit(128 + signum)
