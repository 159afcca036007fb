"""Before and after: how long the cloud took to create an ECS from the old (slow) image, and from the new one.

Each figure is the cloud's own record of one server: ``OS-SRV-USG:launched_at`` (when the ECS was started)
minus ``created`` (OTC-ECS ``apis_recommended/lifecycle_management/querying_details_about_an_ecs.rst``).
Both are the cloud's clock, so a demo whose emulator runs faster still shows the times a real cloud takes.

- Old image: the run's temporary ECS (made from the old image when the source ECS is gone); or, when the
  source ECS exists, the latest ECS in the project that was made from the old image, read by the test launch.
- New image: the test launch's ECS.

A side without such a server is "not measured", with the reason: it is never estimated.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from wizard.text import visible

if TYPE_CHECKING:
    from wizard.cloud.models import Server
    from wizard.plan import Plan

NOT_MEASURED = "not measured"
TITLE = "Time to create an ECS (cloud time)"


def _instant(value: Any) -> float | None:
    """An ECS time stamp (``2024-01-02T03:04:05Z``, or without a zone: UTC) as epoch seconds; None if it is none."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.removesuffix("Z"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def launch_seconds(server: Server) -> float | None:
    """How long the cloud took to create ``server``: its start minus its creation; None when the cloud
    does not say (still building, or a field missing)."""
    created, launched = _instant(server.raw.get("created")), _instant(server.raw.get("OS-SRV-USG:launched_at"))
    if created is None or launched is None or launched < created:
        return None
    return round(launched - created, 3)


def latest_launch_from(servers: Iterable[Server], image_id: str) -> dict[str, Any] | None:
    """The cloud's record of the latest ECS made from ``image_id`` that has started: its id, name and
    creation time (``launch_seconds``); None when there is none."""
    made = [(s, launch_seconds(s)) for s in servers if s.image_id == image_id]
    timed = [(s, seconds) for s, seconds in made if seconds is not None]
    if not timed:
        return None
    server, seconds = max(timed, key=lambda pair: _instant(pair[0].raw.get("created")) or 0.0)
    return {"server_id": server.id, "name": server.name, "seconds": seconds}


def _seconds(value: Any) -> float | None:
    """A figure read from the journal: a number of at least 0, or None."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < float("inf"):
        return None
    return float(value)


@dataclass(frozen=True)
class Side:
    """One bar: the image's label, its figure (None: not measured) and where it comes from or why it is missing."""

    label: str
    seconds: float | None
    source: str


@dataclass(frozen=True)
class BeforeAfter:
    old: Side
    new: Side

    @property
    def speedup(self) -> float | None:
        if not self.old.seconds or not self.new.seconds:
            return None
        return self.old.seconds / self.new.seconds

    @property
    def sides(self) -> tuple[Side, Side]:
        return self.old, self.new

    @classmethod
    def of(cls, plan: Plan) -> BeforeAfter:
        return cls(_old_side(plan), _new_side(plan))

    def sentence(self) -> str:
        """The comparison in words, for the report and plain mode."""
        if self.speedup is None:
            return ""
        return f"An ECS from the new image is created {self.speedup:.0f}x faster than one from the old image."

    def sources(self) -> list[str]:
        """Where each figure comes from (or why it is missing), one line per side."""
        return [f"{side.label}: {visible(side.source)}" for side in self.sides]

    def mermaid(self) -> list[str]:
        """A Mermaid xychart of the two bars in minutes, when both sides are measured (a bar cannot say
        'not measured'); otherwise no lines."""
        if self.old.seconds is None or self.new.seconds is None:
            return []
        minutes = [round(s.seconds / 60, 1) for s in self.sides if s.seconds is not None]
        return [
            "```mermaid",
            "xychart-beta",
            f'    title "{TITLE}"',
            f"    x-axis [{', '.join(repr(s.label).replace(chr(39), chr(34)) for s in self.sides)}]",
            f'    y-axis "minutes" 0 --> {max(minutes) * 1.1:.1f}',
            f"    bar [{', '.join(f'{m:g}' for m in minutes)}]",
            "```",
        ]


def _old_side(plan: Plan) -> Side:
    label = "Old image"
    temp = plan.first("create_temp_server")
    if temp is not None:
        name = temp.inputs.get("name") or temp.outputs.get("server_id") or "the temporary ECS"
        seconds = _seconds(temp.outputs.get("launch_seconds"))
        if seconds is not None:
            return Side(label, seconds, f"the temporary ECS {name}, made from the old image by this run")
        return Side(label, None, f"{NOT_MEASURED}: the cloud has no start time for the temporary ECS {name} yet")
    test = plan.first("test_launch")
    recorded = test.outputs.get("old_launch") if test is not None else None
    if isinstance(recorded, dict) and _seconds(recorded.get("seconds")) is not None:
        return Side(
            label,
            _seconds(recorded.get("seconds")),
            f"the cloud's record of ECS {recorded.get('name') or ''} ({recorded.get('server_id')}), "
            "the latest one made from the old image",
        )
    if test is not None and test.outputs.get("old_launch_missing"):
        return Side(label, None, f"{NOT_MEASURED}: {test.outputs['old_launch_missing']}")
    return Side(label, None, f"{NOT_MEASURED}: a test launch also reads the latest ECS made from the old image")


def _new_side(plan: Plan) -> Side:
    label = "New image"
    test = plan.first("test_launch")
    if test is None:
        return Side(label, None, f"{NOT_MEASURED}: no test launch (it creates an ECS from the new image and times it)")
    seconds = _seconds(test.outputs.get("launch_seconds"))
    if seconds is None:
        return Side(label, None, f"{NOT_MEASURED}: the test launch has not timed an ECS ({test.status})")
    name = test.inputs.get("name") or "the test ECS"
    return Side(label, seconds, f"the test launch's ECS {name}, deleted after it was timed")
