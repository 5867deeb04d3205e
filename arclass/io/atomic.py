"""Output files that appear whole or not at all.

:class:`atomic_writer` writes to a temporary file beside the destination and
renames it into place only when the ``with`` block succeeds, so a crash, a
full disk or a signal never leaves half a file where the user expects one.
It does not destroy what the destination is: a symbolic link is written
through (its target is replaced, the link stays), a device or a FIFO is
written directly (``-o /dev/null`` keeps /dev/null), and an existing file
keeps its permission bits and, where allowed, its owner.
:func:`check_output_path` says before any work whether a path can be written.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

__all__ = ["atomic_writer", "check_output_path", "OutputPathError"]


class OutputPathError(OSError):
    """An output path that cannot be written (missing folder, a folder, no permission)."""


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _destination(path: Path) -> tuple[Path, os.stat_result | None]:
    """The file really written (symbolic links followed) and its status, if it exists."""
    real = Path(os.path.realpath(path))
    try:
        return real, os.stat(real)
    except FileNotFoundError:
        return real, None


def check_output_path(path: str | os.PathLike) -> None:
    """Raise :class:`OutputPathError` with a one-line reason if ``path`` cannot be written."""
    real, status = _destination(Path(path))
    if status is not None and stat.S_ISDIR(status.st_mode):
        raise OutputPathError(f"{path}: is a folder")
    if status is not None and not stat.S_ISREG(status.st_mode):
        if not os.access(real, os.W_OK):
            raise OutputPathError(f"{path}: not writable")
        return
    folder = real.parent
    if not folder.is_dir():
        raise OutputPathError(f"{path}: no such folder {str(folder)!r}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputPathError(f"{path}: cannot write in folder {str(folder)!r} (permission denied)")
    if status is not None and not os.access(real, os.W_OK):
        raise OutputPathError(f"{path}: not writable (permission denied)")


class atomic_writer:
    """Open a temporary file beside ``path``; on success rename it to ``path``.

    On any exception (``KeyboardInterrupt`` and ``SystemExit`` included) the
    temporary file is removed and ``path`` is left as it was. ``mode`` is
    passed to :func:`open` (``"wb"`` or ``"w"``). A ``path`` that is a
    device or a FIFO is opened and written directly.
    """

    def __init__(self, path: str | os.PathLike, mode: str = "wb", **open_kwargs: Any) -> None:
        self.path = Path(path)
        self.mode = mode
        self.open_kwargs = open_kwargs
        self.tmp: str | None = None

    def __enter__(self):
        real, status = _destination(self.path)
        if status is not None and not stat.S_ISREG(status.st_mode):
            self.file = open(real, self.mode, **self.open_kwargs)
            return self.file
        self.target = real
        import tempfile  # not at start-up: it costs more than tagging a short text

        fd, self.tmp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp", dir=real.parent)
        try:
            if status is not None:
                os.fchmod(fd, stat.S_IMODE(status.st_mode))
                try:
                    os.fchown(fd, status.st_uid, status.st_gid)
                except OSError:
                    pass  # only root may give a file away
            else:
                # mkstemp makes the file private (0600); give it the mode a plain open() would.
                os.fchmod(fd, 0o666 & ~_umask())
            self.file = os.fdopen(fd, self.mode, **self.open_kwargs)
        except BaseException:
            os.close(fd)
            self._discard()
            raise
        return self.file

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.tmp is None:  # written directly
            self.file.close()
            return
        try:
            if exc_type is None:
                self.file.flush()
                os.fsync(self.file.fileno())
            self.file.close()
            if exc_type is None:
                os.replace(self.tmp, self.target)
                self.tmp = None
        finally:
            self._discard()

    def _discard(self) -> None:
        if self.tmp is not None:
            try:
                os.unlink(self.tmp)
            except FileNotFoundError:
                pass
            self.tmp = None
