"""The diagnosis verdicts and everything every front end says about them, in one table.

Each verdict carries its short ``label`` (the picker's column, plain mode's image list), its
``icon`` (✗ repair, ✓ fine, ! look first, - out of scope, ? cannot tell), the ``node`` of the
flowchart it stops at (``wizard.flowchart``), the one-line ``summary`` and the ``advice``. The values
are the strings journals, ``scan --json`` and reports have always used. ``unknown`` is the verdict
when the cloud's answers are ambiguous (a backup "not found" by a service that does not list the
project's backups either): the diagnosis says why, and claims nothing the answers do not support.
"""

from __future__ import annotations

from enum import StrEnum

_OTHER_CAUSE = "Slow creation has another cause: check the flavor, the disk types, quotas and the region's capacity."


class Verdict(StrEnum):
    label: str
    icon: str
    node: str
    summary: str
    advice: str

    # Makes each member from its tuple below. The defaults are never used: they let a lookup by value,
    # ``Verdict("affected")``, type-check.
    def __new__(
        cls, value: str, label: str = "", icon: str = "", node: str = "", summary: str = "", advice: str = ""
    ) -> Verdict:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label, member.icon, member.node, member.summary, member.advice = label, icon, node, summary, advice
        return member

    AFFECTED = (
        "affected",
        "affected: repair",
        "✗",
        "csbs_format",
        "Affected: this image was made from an old-format CSBS backup, so ECSs created from it build slowly.",
        "Repair it: back the server up again (CBR recommended) and make a new full-ECS image from that backup.",
    )
    NOT_AFFECTED_CBR = (
        "not-affected-cbr",
        "not affected (CBR)",
        "✓",
        "fast_already",
        "Not affected: this image was made from a CBR backup, which supports fast ECS creation.",
        _OTHER_CAUSE,
    )
    NOT_AFFECTED_NEW_FORMAT = (
        "not-affected-new-format",
        "not affected (new CSBS)",
        "✓",
        "fast_already",
        "Not affected: this image was made from a new-format CSBS backup, which supports fast ECS creation.",
        _OTHER_CAUSE,
    )
    NOT_FULL_ECS_IMAGE = (
        "not-full-ecs-image",
        "not a full-ECS image",
        "-",
        "out_of_scope",
        "Out of scope: this is not a full-ECS image.",
        "This wizard repairs full-ECS images made from old-format CSBS backups; a system-disk image is not made "
        "from a backup, so that cause does not apply: look at the flavor, the disk types, quotas and the region's "
        "capacity.",
    )
    IMAGE_NOT_ACTIVE = (
        "image-not-active",
        "not active",
        "!",
        "not_active",
        "Not ready: the image is not active, so no ECS can be created from it yet.",
        "Wait until the image is active (or, if it is 'killed', create it again), then run the diagnosis again.",
    )
    BACKUP_MISSING = (
        "backup-missing",
        "backup deleted",
        "!",
        "backup_gone",
        "The backup this image was made from no longer exists.",
        "ECS creation from this image may fail (Ecs.0034). If a server made from this image still runs, "
        "back that server up with CBR and make a new full-ECS image from it.",
    )

    UNKNOWN = (
        "unknown",
        "unknown: look first",
        "?",
        "cannot_tell",
        "Unknown: the cloud's answers do not show whether this image is affected.",
        "Run 'ecs-wizard doctor' (it checks the project id, the region, the endpoints and the permissions), fix what "
        "it finds, then diagnose the image again. Nothing is repaired on an unknown verdict.",
    )

    @property
    def unaffected(self) -> bool:
        """Made from a backup that already supports fast creation: nothing for the wizard to repair."""
        return self in (Verdict.NOT_AFFECTED_CBR, Verdict.NOT_AFFECTED_NEW_FORMAT)

    @property
    def marked(self) -> str:
        """The label behind its icon, as a list shows it."""
        return f"{self.icon} {self.label}"
