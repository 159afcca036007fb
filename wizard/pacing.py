"""How many images a scan diagnoses at once: a limit that adapts to how the cloud answers.

The limit starts at :data:`START` (or the ceiling, if lower). After each window of finished images
it compares the window's median time per image with the best window so far: within :data:`FLAT` of
it, the cloud keeps up and the limit grows by a quarter; beyond :data:`RISING`, answers queue
somewhere and it shrinks by a quarter, but not below where it started (on a shared machine the time
per image also rises with other processes' load, which fewer images at once would not cure); in
between it holds.

A throttled answer (HTTP 429 or ``APIGW.0308``) halves the limit, and no new image starts until the
``Retry-After`` the cloud named has passed (at most :data:`MAX_PAUSE` seconds; the HTTP client itself
waits the same time before it retries the call). Only an image that started after the last halving
halves it again: the images already running then were sent at the old pace, and their throttling is
what the halving answered (as TCP counts the losses of one window as one). The level it was throttled
at (or :data:`START`, if higher) is remembered: each clean window after the halving (no throttling
while its images ran) whose time per image has not risen beyond :data:`RISING` doubles the limit
again, up to that level, and only beyond it does the careful growth above apply (the shape of TCP's
slow start back to its threshold, then additive increase). A throttle during that recovery lowers
the level to return to, so throttling that goes on holds the limit down, to 1 at a time, while an
occasional one costs a window or two at half the pace rather than a climb back a step at a time.

``now`` and ``sleep`` are injectable so that tests run on the emulator's virtual clock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

START = 8
DEFAULT_CEILING = 32
FLAT = 1.25
RISING = 2.0
MIN_WINDOW = 8
MAX_PAUSE = 60.0


class AdaptiveLimit:
    """A counting gate whose size adapts; one instance per scan, shared by its worker threads."""

    def __init__(
        self,
        ceiling: int,
        *,
        now: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if ceiling < 1:
            raise ValueError(f"the ceiling must be at least 1, not {ceiling}")
        self.ceiling = ceiling
        self.limit = min(START, ceiling)
        self.peak = self.limit
        self.throttled = 0
        self._now = now
        self._sleep = sleep
        self._cond = threading.Condition()
        self._running = 0
        self._paused_until = float("-inf")
        self._window: list[float] = []
        self._best: float | None = None
        self._since_backoff = ceiling  # finished images since the last halving
        self._recover_to = 0  # the level to double back up to after a throttle
        self._started = 0  # images started so far; each thread's current one is ``_here.image``
        self._halved_after = 0  # how many had started at the last halving
        self._here = threading.local()  # throttled answers each thread saw

    def acquire(self) -> tuple[float, int]:
        """Wait for a free place (and for any pause to end); return the start time and the throttle
        count at that moment, both for :meth:`release`, which the same thread calls."""
        while True:
            with self._cond:
                while self._running >= self.limit:
                    self._cond.wait()
                now = self._now()
                wait = self._paused_until - now
                if wait <= 0:
                    self._running += 1
                    self._started += 1
                    self._here.image = self._started
                    return now, self.throttled
            self._sleep(wait)

    def release(self, ticket: tuple[float, int]) -> None:
        """One image finished. Its time counts only when no call was throttled meanwhile: a
        throttled call's time is the cloud's Retry-After, not how loaded it is."""
        started, throttled_before = ticket
        self._here.image = None
        with self._cond:
            self._running -= 1
            self._since_backoff += 1
            if self.throttled == throttled_before:
                self._window.append(self._now() - started)
                if len(self._window) >= max(self.limit, MIN_WINDOW):
                    self._adapt(sorted(self._window)[len(self._window) // 2])
                    self._window.clear()
            self._cond.notify_all()

    def on_throttle(self, retry_after: float | None) -> None:
        """The cloud refused a call for its rate (any thread may call this)."""
        self._here.count = self.throttled_here() + 1
        with self._cond:
            self.throttled += 1
            now = self._now()
            image = getattr(self._here, "image", None)
            if image is None:  # a call outside any image: once the images in flight at the last halving finished
                fresh = self._since_backoff >= self.limit
            else:
                fresh = image > self._halved_after
            if fresh:
                self._recover_to = max(self.limit, min(START, self.ceiling))
                self.limit = max(1, self.limit // 2)
                self._since_backoff = 0
                self._halved_after = self._started
                self._window.clear()
            if retry_after is not None:
                self._paused_until = max(self._paused_until, now + min(max(retry_after, 0.0), MAX_PAUSE))

    def throttled_here(self) -> int:
        """How many throttled answers the calling thread has seen."""
        return int(getattr(self._here, "count", 0))

    def _adapt(self, median: float) -> None:
        if self._best is None or median < self._best:
            self._best = median
        step = max(1, self.limit // 4)
        if self.limit < self._recover_to and median <= self._best * RISING:
            self.limit = min(self._recover_to, self.limit * 2)  # back toward where it was throttled
        elif median <= self._best * FLAT:
            self.limit = min(self.ceiling, self.limit + step)
        elif median > self._best * RISING:
            # slower answers alone never take it below where it started (only throttling does), nor raise it
            self.limit = max(min(START, self.ceiling, self.limit), self.limit - step)
        self.peak = max(self.peak, self.limit)
