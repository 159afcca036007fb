"""Fault injection rules: the syntax is :data:`RULE_SYNTAX` (``sim serve --help`` and the README
show it), parsed by :meth:`FaultRule.parse`.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

RULE_SYNTAX = """\
A fault rule: SERVICE.OPERATION[:key=value|flag]...   (SERVICE and OPERATION may be *)

  first=N            apply to the first N matching requests only
  prob=P             apply with probability P (0..1; the emulator's RNG is seeded, so runs repeat)
  status=S           answer HTTP S with the service's error body instead of performing the action
  code=C             the cloud error code of that answer (default: <service prefix>.0000)
  message=M          its message (default: "Injected fault")
  retry_after=SEC    send a Retry-After: SEC header with that answer (needs status=; e.g. 429)
  latency=SEC        delay the answer by SEC real seconds (0 to 60; keep it small)
  lost               perform the action, then never answer (connection dropped)
  late=SEC           never answer, and perform the action SEC virtual seconds later (a request that
                     outlived the client's read timeout and still lands)
  visible_after=SEC  the resource the action makes shows in list calls only SEC virtual seconds later
                     (lists are eventually consistent; a GET by id sees it at once)
  job=fail           the job the action starts ends in FAIL (reason= gives fail_reason); on
                     ecs.delete_servers the servers stay as they were
  backup=error       the backup the action starts ends in error (reason= gives the fail reason)
  reason=R           the failure reason for job=fail / backup=error

Without first or prob a rule applies to every matching request. Examples:

  ims.create_whole_image:first=1:status=500:code=IMG.0000:message=boom
  ecs.create_server:lost
  cbr.create_vault:first=1:late=45
  ims.create_whole_image:visible_after=120
  ecs.delete_servers:first=1:job=fail
  cbr.backup:prob=0.5:status=503
  ims.list_images:first=1:status=429:code=APIGW.0308:retry_after=2
  ims.create_whole_image:job=fail:reason=disk snapshot failed
  cbr.create_checkpoint:backup=error
  *.*:latency=0.2
"""
"""A rule as ``--fault`` takes it: its keys, what each does, and examples."""


OPERATIONS: dict[str, tuple[str, ...]] = {
    "iam": ("create_token", "get_version"),
    "ims": (
        "list_images",
        "get_image",
        "delete_image",
        "create_whole_image",
        "get_job",
        "get_job_progress",
        "get_quota",
        "list_versions",
    ),
    "cbr": (
        "list_vaults",
        "list_vaults_by_tags",
        "get_vault",
        "create_vault",
        "delete_vault",
        "add_resources",
        "create_checkpoint",
        "get_checkpoint",
        "list_backups",
        "get_backup",
        "delete_backup",
        "list_tasks",
        "get_task",
    ),
    "csbs": ("check_protectable", "protect", "list_backups", "list_backups_by_tags", "get_backup", "delete_backup"),
    "ecs": (
        "get_server",
        "list_servers",
        "create_server",
        "check_create_server",  # a create with "dry_run": true (a refusal of create_server applies to it too)
        "delete_servers",
        "get_job",
        "list_flavors",
        "get_limits",
        "list_availability_zones",
    ),
    "vpc": ("list_vpcs", "list_subnets"),
    "evs": ("list_volume_types",),
}
"""Every operation a rule can name, per service. ``ims.get_job`` and ``ecs.get_job`` are the same
shared path (``/v1/{project_id}/jobs/{job_id}``); a rule naming either matches jobs of its service."""

ALIASES: dict[str, str] = {
    "cbr.backup": "cbr.create_checkpoint",
    "csbs.backup": "csbs.protect",
    "csbs.create_backup": "csbs.protect",
    "ims.create_image": "ims.create_whole_image",
    "ecs.delete_server": "ecs.delete_servers",
}

ACTION_OPERATIONS = {
    "ims.create_whole_image": "job",
    "ecs.create_server": "job",
    "ecs.delete_servers": "job",
    "cbr.create_checkpoint": "backup",
    "csbs.protect": "backup",
}

MUTATING_OPERATIONS = frozenset(
    {
        "ims.create_whole_image",
        "ims.delete_image",
        "cbr.create_vault",
        "cbr.delete_vault",
        "cbr.add_resources",
        "cbr.create_checkpoint",
        "cbr.delete_backup",
        "csbs.protect",
        "csbs.delete_backup",
        "ecs.create_server",
        "ecs.delete_servers",
    }
)
"""The operations that change the account: only these can happen ``late``."""

CREATING_OPERATIONS = frozenset(
    {"ims.create_whole_image", "cbr.create_vault", "cbr.create_checkpoint", "csbs.protect", "ecs.create_server"}
)
"""The operations that make a resource: only these can make one ``visible_after`` a delay."""

DEFAULT_CODES = {
    "iam": "IAM.0000",
    "ims": "IMG.0000",
    "cbr": "BackupService.0000",
    "csbs": "CSBS.0000",
    "ecs": "Ecs.0000",
    "vpc": "VPC.0000",
    "evs": "EVS.0000",
}


MAX_LATENCY = 60.0  # real seconds: the emulator sleeps them
MAX_RETRY_AFTER = 86400.0
MAX_VIRTUAL_DELAY = 30 * 86400.0  # late= and visible_after=: virtual seconds


def _check_number(key: str, value: Any, low: float, high: float | None, whole: bool = False) -> None:
    """A rule's number: finite, in [low, high], of the right kind (None means not given)."""
    if value is None:
        return
    kinds = (int,) if whole else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not math.isfinite(value):
        raise ValueError(f"{key} must be a {'whole' if whole else 'finite'} number, not {value!r}")
    if value < low:
        raise ValueError(f"{key} must be >= {low:g}, not {value!r}")
    if high is not None and value > high:
        raise ValueError(f"{key} must be between {low:g} and {high:g}, not {value!r}")


def all_operations() -> list[str]:
    return [f"{svc}.{op}" for svc, ops in OPERATIONS.items() for op in ops]


def _normalize_target(target: str) -> str:
    target = target.strip()
    target = ALIASES.get(target, target)
    if "." not in target:
        raise ValueError(f"fault target {target!r} must be SERVICE.OPERATION (e.g. ims.create_whole_image or *.*)")
    service, operation = target.split(".", 1)
    if service != "*" and service not in OPERATIONS:
        raise ValueError(f"unknown service {service!r} in fault rule; services: {', '.join(OPERATIONS)}")
    if operation != "*":
        services = OPERATIONS if service == "*" else {service: OPERATIONS[service]}
        if not any(operation in ops for ops in services.values()):
            raise ValueError(f"unknown operation {target!r} in fault rule; operations: {', '.join(all_operations())}")
    return f"{service}.{operation}"


@dataclass
class FaultRule:
    """One ``--fault`` rule: which calls it matches, when, and what it does to them (:data:`RULE_SYNTAX`)."""

    target: str = "*.*"
    first: int | None = None
    prob: float | None = None
    status: int | None = None
    code: str | None = None
    message: str | None = None
    retry_after: float | None = None
    latency: float = 0.0
    lost: bool = False
    job: str | None = None
    backup: str | None = None
    reason: str | None = None
    late: float | None = None
    visible_after: float | None = None
    matched: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        self.target = _normalize_target(self.target)
        _check_number("first", self.first, 0, None, whole=True)
        _check_number("status", self.status, 400, 599, whole=True)
        _check_number("prob", self.prob, 0.0, 1.0)
        _check_number("latency", self.latency, 0.0, MAX_LATENCY)
        _check_number("retry_after", self.retry_after, 0.0, MAX_RETRY_AFTER)
        if self.retry_after is not None and self.status is None:
            raise ValueError("retry_after goes with status= (the answer that carries the header)")
        self._check_timing_effects()
        if self.job not in (None, "fail"):
            raise ValueError("job must be 'fail'")
        if self.backup not in (None, "error"):
            raise ValueError("backup must be 'error'")
        if self.status is not None and self.lost:
            raise ValueError("a rule cannot both answer with an error status and lose the answer")
        for effect, kind, wanted in (("job=fail", "job", self.job), ("backup=error", "backup", self.backup)):
            if wanted and not self._may_start(kind):
                starters = ", ".join(op for op, k in ACTION_OPERATIONS.items() if k == kind)
                raise ValueError(f"{effect} needs an operation that starts a {kind} ({starters}), not {self.target}")
        effects = (self.status, self.lost, self.job, self.backup, self.latency)
        if not any(effects) and self.late is None and self.visible_after is None:
            raise ValueError(
                "a fault rule needs an effect: status=, lost, late=, visible_after=, job=fail, backup=error or latency="
            )

    def _check_timing_effects(self) -> None:
        """``late`` needs an operation that changes something, ``visible_after`` one that makes something."""
        for key, operations in (("late", MUTATING_OPERATIONS), ("visible_after", CREATING_OPERATIONS)):
            value = getattr(self, key)
            if value is None:
                continue
            _check_number(key, value, 0.0, MAX_VIRTUAL_DELAY)
            if not any(self.matches(*op.split(".", 1)) for op in operations):
                raise ValueError(f"{key}= needs an operation among {', '.join(sorted(operations))}, not {self.target}")
        if self.late is not None and (self.status is not None or self.lost):
            raise ValueError("late already loses the answer: it goes with neither status= nor lost")

    def _may_start(self, kind: str) -> bool:
        return any(self.matches(*op.split(".", 1)) for op, k in ACTION_OPERATIONS.items() if k == kind)

    @classmethod
    def parse(cls, text: str) -> FaultRule:
        parts = text.strip().split(":")
        kwargs: dict[str, Any] = {"target": parts[0]}
        for part in parts[1:]:
            if not part:
                continue
            key, sep, value = part.partition("=")
            key = key.strip().lower()
            try:
                if key == "lost" and not sep:
                    kwargs["lost"] = True
                elif key in ("first", "status"):
                    kwargs[key] = int(value)
                elif key in ("prob", "latency", "retry_after", "late", "visible_after"):
                    kwargs[key] = float(value)
                elif key in ("code", "message", "reason", "job", "backup"):
                    kwargs[key] = value
                elif key == "lost":
                    kwargs["lost"] = value.lower() in ("1", "true", "yes")
                else:
                    raise ValueError(
                        f"unknown key {key!r} in fault rule {text!r}; keys: first, prob, status, code, message, "
                        "retry_after, latency, lost, late, visible_after, job, backup, reason"
                    )
            except ValueError as exc:
                if "unknown key" in str(exc):
                    raise
                raise ValueError(f"bad value for {key!r} in fault rule {text!r}: {value!r}") from None
        return cls(**kwargs)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FaultRule:
        allowed = {
            "target",
            "first",
            "prob",
            "status",
            "code",
            "message",
            "retry_after",
            "latency",
            "lost",
            "job",
            "backup",
            "reason",
            "late",
            "visible_after",
        }
        unknown = set(data) - allowed
        if unknown:
            raise ValueError(f"unknown fault field(s): {', '.join(sorted(unknown))}")
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        return {
            k: getattr(self, k)
            for k in (
                "target",
                "first",
                "prob",
                "status",
                "code",
                "message",
                "retry_after",
                "latency",
                "lost",
                "job",
                "backup",
                "reason",
                "late",
                "visible_after",
                "matched",
            )
        }

    def matches(self, service: str, operation: str) -> bool:
        svc, op = self.target.split(".", 1)
        if svc not in ("*", service):
            return False
        if op in ("*", operation):
            return True
        # A create's dry run meets the create's refusals (a permission, a bad request), which ECS checks
        # either way; what happens to what a create makes (a lost or late answer, a 5xx, a failed job)
        # is the real create's, so a rule meant for it is not used up by a preflight.
        return (op, operation) == ("create_server", "check_create_server") and self.refuses

    @property
    def refuses(self) -> bool:
        """A permanent refusal: a 4xx other than 429, and nothing else."""
        plain = not (self.lost or self.job or self.backup or self.late is not None or self.visible_after is not None)
        return self.status is not None and 400 <= self.status < 500 and self.status != 429 and plain


@dataclass
class Effects:
    """What the matching rules ask for one request."""

    latency: float = 0.0
    error: tuple[int, str, str] | None = None  # status, code, message
    retry_after: float | None = None  # Retry-After header of that error answer
    lost: bool = False
    fail: tuple[str, str] | None = None  # job/backup failure: (reason, code)
    late: float | None = None  # perform the action this many virtual seconds later; the answer is lost
    visible_after: float | None = None  # what the action makes is listed only after this many seconds


class FaultSet:
    """The active rules plus a seeded RNG for probabilities."""

    def __init__(self, rules: list[FaultRule] | None = None, seed: int = 0) -> None:
        self.rules: list[FaultRule] = list(rules or [])
        self.rng = random.Random(seed)

    def add(self, rule: FaultRule) -> None:
        self.rules.append(rule)

    def clear(self) -> None:
        self.rules.clear()

    def effects(self, service: str, operation: str) -> Effects:
        out = Effects()
        for rule in self.rules:
            if not rule.matches(service, operation):
                continue
            if rule.first is not None:
                if rule.matched >= rule.first:
                    continue
            if rule.prob is not None and self.rng.random() >= rule.prob:
                continue
            rule.matched += 1
            out.latency += rule.latency
            if rule.status is not None and out.error is None:
                out.error = (
                    rule.status,
                    rule.code or DEFAULT_CODES.get(service, "SIM.0000"),
                    rule.message or "Injected fault",
                )
                out.retry_after = rule.retry_after
            if rule.lost:
                out.lost = True
            if rule.late is not None and out.late is None:
                out.late = rule.late
            if rule.visible_after is not None and out.visible_after is None:
                out.visible_after = rule.visible_after
            if (rule.job == "fail" or rule.backup == "error") and out.fail is None:
                default = "injected job failure" if rule.job else "injected backup failure"
                out.fail = (rule.reason or rule.message or default, rule.code or DEFAULT_CODES.get(service, "SIM.0000"))
        return out


def rule_help() -> str:
    """The rule syntax with the operations a rule can name, as ``sim serve --help`` shows it."""
    import textwrap

    def listed(title: str, words: str) -> str:
        return textwrap.fill(words, 100, initial_indent=f"  {title}", subsequent_indent="      ")

    operations = "\n".join(listed(f"{service}: ", ", ".join(names)) for service, names in OPERATIONS.items())
    aliases = listed("", ", ".join(f"{alias} = {name}" for alias, name in ALIASES.items()))
    return f"{RULE_SYNTAX}\nOperations a rule can name:\n{operations}\nAliases:\n{aliases}\n"
