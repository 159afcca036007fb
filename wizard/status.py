"""The status words of a run and of its steps, defined once (DESIGN.md "Step model").

They are ``StrEnum`` members, so they compare equal to, and serialise as, the strings that journals
on disk, ``--json`` events and reports have always used. This module imports nothing: the first
screen reads run statuses before the engine loads.
"""

from __future__ import annotations

from enum import StrEnum


class StepStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    WAITING = "waiting-for-confirmation"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    TIMED_OUT = "timed-out"

    @property
    def stopped_on_error(self) -> bool:
        """Failed or timed out: the step has an error to show and a resume retries it."""
        return self in (StepStatus.FAILED, StepStatus.TIMED_OUT)


class RunStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    ABANDONING = "abandoning"  # wizard.abandon is deleting what the run made (an interrupted abandon continues)
    ABANDONED = "abandoned"  # given up: what it made is deleted (or kept on purpose); never resumed

    @property
    def resumable(self) -> bool:
        """Running, failed or cancelled: a run that stopped, for whatever reason, continues where it stopped."""
        return self in (RunStatus.RUNNING, RunStatus.FAILED, RunStatus.CANCELLED)

    @property
    def abandoned(self) -> bool:
        """Given up with ``ecs-wizard abandon``: what it made is deleted, or being deleted."""
        return self in (RunStatus.ABANDONING, RunStatus.ABANDONED)
