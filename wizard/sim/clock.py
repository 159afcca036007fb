"""Virtual time for the emulator.

Virtual time = ``start`` + (real seconds elapsed since creation x ``speed``) + manual advances.
``speed=0`` freezes time, so tests move it only with :meth:`VirtualClock.advance`.
Changing ``speed`` re-bases the clock so virtual time never jumps.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime


class VirtualClock:
    def __init__(
        self, speed: float = 60.0, start: float | None = None, real: Callable[[], float] = time.monotonic
    ) -> None:
        _check_speed(speed)
        self._real = real
        self._lock = threading.Lock()
        self._speed = float(speed)
        self._base_virtual = float(time.time() if start is None else start)
        self._base_real = real()

    @property
    def speed(self) -> float:
        return self._speed

    @speed.setter
    def speed(self, value: float) -> None:
        _check_speed(value)
        with self._lock:
            now_real = self._real()
            self._base_virtual += (now_real - self._base_real) * self._speed
            self._base_real = now_real
            self._speed = float(value)

    def now(self) -> float:
        """Virtual epoch seconds."""
        with self._lock:
            return self._base_virtual + (self._real() - self._base_real) * self._speed

    def advance(self, seconds: float) -> None:
        """Move virtual time forward (never backward)."""
        if not _is_number(seconds) or seconds < 0:
            raise ValueError(f"advance must be a finite number of seconds >= 0, not {seconds!r}")
        with self._lock:
            self._base_virtual += float(seconds)

    def __repr__(self) -> str:
        return f"VirtualClock(now={iso_z(self.now())}, speed={self._speed:g})"


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_speed(value: object) -> None:
    if not _is_number(value) or value < 0:  # type: ignore[operator]
        raise ValueError(f"speed must be a finite number >= 0 (virtual seconds per real second), not {value!r}")


def iso_z(t: float) -> str:
    """``2024-01-02T03:04:05Z`` (IMS, ECS)."""
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_ms_z(t: float) -> str:
    """``2024-01-02T03:04:05.123000Z`` (IAM tokens, job times)."""
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def iso_micro(t: float) -> str:
    """``2024-01-02T03:04:05.123456`` (CBR, CSBS: UTC without a zone suffix, as in their docs)."""
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def parse_iso(text: str) -> float:
    """Inverse of the formatters above (a missing zone means UTC)."""
    value = text.strip().replace("Z", "+00:00")
    dt = datetime.fromisoformat(value)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()
