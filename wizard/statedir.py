"""The wizard's private files on disk: the state directory (run journals, the demo world) and the
reports it writes.

Everything here belongs to the user alone: directories are created 0700 and files 0600, written
atomically (a temporary file beside the target, then a rename). A directory or file that another
user owns, or that group or others can write, is refused before anything in it is read: a file
someone else could have planted is never loaded. A disk that is full is said so in those words
(exit 1, the last complete write stays in place, so the run remains resumable).

:class:`PidLock` is the one way a process says "this is mine while I run": an exclusive
``fcntl.flock`` on a file in the state directory that names its holder. The run lock (one process per
run, :class:`wizard.ownership.RunLock`) and the demo world's lock (one process per emulated world,
:meth:`wizard.session.CloudSession.hold_world`) are both one.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from wizard.errors import UsageError, WizardError

STALE_TMP_SECONDS = 60.0  # a write takes milliseconds: an older temporary file was left by a killed process
NO_SPACE = (errno.ENOSPC, errno.EDQUOT)


class NoSpaceError(WizardError):
    """The disk (or the user's quota) is full: nothing was lost, the previous write is intact."""


def check_private(path: Path, what: str) -> os.stat_result:
    """Refuse ``path`` when it is not the user's own: owned by another user, writable by group or
    others, or (for a file) a symbolic link. Returns its ``stat``."""
    try:
        info = os.stat(path) if what.endswith("directory") else os.lstat(path)
    except OSError as exc:
        raise UsageError(f"The {what} {path} cannot be read: {exc.strerror or exc}.") from None
    remedy = (
        "The wizard only uses state that you alone can change: point --state-dir (or ECS_WIZARD_STATE_DIR) "
        "at a directory of your own, or fix it (chown to you, chmod go-w)."
    )
    if stat.S_ISLNK(info.st_mode):
        raise UsageError(f"The {what} {path} is a symbolic link; it was not read.", remedy)
    if info.st_uid != os.geteuid():
        raise UsageError(
            f"The {what} {path} belongs to another user (uid {info.st_uid}, you are {os.geteuid()}); it was not used.",
            remedy,
        )
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise UsageError(
            f"The {what} {path} can be written by {_writers(info.st_mode)} "
            f"(mode {stat.S_IMODE(info.st_mode):04o}); it was not used.",
            remedy,
        )
    return info


def _writers(mode: int) -> str:
    return " and ".join(w for bit, w in ((stat.S_IWGRP, "its group"), (stat.S_IWOTH, "every user")) if mode & bit)


def private_dir(path: Path, what: str = "state directory") -> Path:
    """``path`` as a directory of the user's own: created 0700 when missing, checked when it exists."""
    try:
        path.mkdir(mode=0o700, parents=True)
        os.chmod(path, 0o700)  # mkdir's mode is narrowed by the umask, never widened; be exact
    except FileExistsError:
        pass
    except OSError as exc:
        raise write_error(exc, path, what) from None
    check_private(path, what)
    if not path.is_dir():
        raise UsageError(
            f"The {what} {path} is not a directory.",
            "Point ECS_WIZARD_STATE_DIR (or --state-dir) at a directory you can write to: "
            "the journal is what makes a run resumable.",
        )
    return path


def save_private(path: Path, data: bytes, *, what: str, durable: bool = True) -> None:
    """:func:`write_private`, a failure said as the user's error (a full disk: :class:`NoSpaceError`)."""
    try:
        write_private(path, data, durable=durable)
    except OSError as exc:
        raise write_error(exc, path.parent, what) from None


def write_private(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` atomically, mode 0600 from the first byte (OSError on failure).
    ``durable`` also waits for the disk (journals); a kill never leaves a half-written file either way."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name.split('.')[0]}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            if durable:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_private(path: Path, *, what: str, limit: int = 64 * 1024 * 1024) -> bytes:
    """The bytes of the user's own file ``path`` (checked first; at most ``limit`` bytes)."""
    info = check_private(path, what)
    if not stat.S_ISREG(info.st_mode):
        raise UsageError(f"The {what} {path} is not a regular file; it was not read.")
    if info.st_size > limit:
        raise UsageError(f"The {what} {path} is {info.st_size} bytes, more than the {limit} it can be; not read.")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as f:
            return f.read(limit + 1)[:limit]
    except OSError as exc:
        raise UsageError(f"The {what} {path} cannot be read: {exc.strerror or exc}.") from None


def remove_stale_temporaries(directory: Path, now: float | None = None) -> list[Path]:
    """Delete the ``.NAME.*.tmp`` files that killed writes left in ``directory`` (older than a
    minute, so a write under way in another process is left alone). Returns what was removed."""
    now = time.time() if now is None else now
    removed: list[Path] = []
    try:
        candidates = list(directory.glob(".*.tmp"))
    except OSError:
        return removed
    for path in candidates:
        try:
            info = path.lstat()
            if stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid() and now - info.st_mtime > STALE_TMP_SECONDS:
                path.unlink()
                removed.append(path)
        except OSError:
            continue
    return removed


def write_error(exc: OSError, where: Path, what: str) -> WizardError:
    if exc.errno in NO_SPACE:
        return NoSpaceError(
            f"No space left in {where}: the {what} could not be written.",
            "Free some space there (or point ECS_WIZARD_STATE_DIR elsewhere), then resume: "
            "the last complete record is intact.",
        )
    return UsageError(
        f"The {what} cannot be written in {where}: {exc.strerror or exc}.",
        "Point ECS_WIZARD_STATE_DIR at a directory you can write to: the journal is what makes a run resumable.",
    )


@dataclass(frozen=True)
class Holder:
    """Who holds a :class:`PidLock`: its pid (-1 when the file does not say yet) and what it is doing."""

    pid: int
    doing: str = ""

    def __str__(self) -> str:
        return f"pid {self.pid}" if self.pid >= 0 else "pid unknown"


class PidLock:
    """``fcntl.flock`` on ``path``, a file that holds its holder's pid and, on a second line, what it is
    doing. The kernel drops the lock when its process dies, so a dead holder's lock is simply taken
    over. The file stays when released: removing it while another process waits on it would let a
    third process lock a new file of the same name. Dropping the object releases the lock."""

    def __init__(self, path: Path, doing: str = ""):
        self.path = path
        self.doing = doing
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def try_acquire(self) -> Holder | None:
        """Take the lock: None when this object holds it now, else who does (nothing waits).
        OSError when the file cannot be opened."""
        if self._fd is not None:
            return None
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder_in(fd)
            os.close(fd)
            return holder
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n{self.doing}\n".encode(), 0)
        self._fd = fd
        return None

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def who(self) -> Holder | None:
        """Who holds the lock now (this process when this object does), or None when no live process does."""
        if self._fd is not None:
            return Holder(os.getpid(), self.doing)
        try:
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            return None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return _holder_in(fd)
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        finally:
            os.close(fd)

    def __del__(self) -> None:
        self.release()


def _holder_in(fd: int) -> Holder:
    pid, _, doing = os.pread(fd, 512, 0).decode(errors="replace").partition("\n")
    pid = pid.strip()
    return Holder(int(pid) if pid.isdigit() else -1, doing.strip())
