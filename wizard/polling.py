"""How often the runner asks the cloud about something slow: quick at first, then backing off,
and when the cloud reports a percentage, about as often as the time left at the pace so far
suggests. A module of its own so a session can be built without importing the runner."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class PollPolicy:
    """How often a wait asks the cloud: the time left at the pace the progress shows, else a share of the
    time waited so far, within bounds."""

    min_interval: float = 2.0
    max_interval: float = 20.0
    growth: float = 0.05

    def next_interval(self, waited: float, progress: float | None) -> float:
        interval = waited * self.growth
        if progress is not None and 0 < progress < 100 and waited > 0:
            interval = waited * (100.0 - progress) / progress  # time left at the pace so far
        return min(self.max_interval, max(self.min_interval, interval))

    def max_calls(self, seconds: float) -> int:
        """The documented bound on status calls for a step that takes ``seconds``."""
        ramp = math.log(self.max_interval / self.min_interval) / math.log(1 + self.growth)
        return int(math.ceil(ramp + seconds / self.max_interval + 2))


REAL_POLL = PollPolicy()  # the real cloud's pace (frozen, so one shared default is safe)
DEMO_POLL = PollPolicy(min_interval=0.05, max_interval=1.0, growth=0.05)
