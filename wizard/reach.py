"""The options a printed command needs to work as printed: pasted into a fresh shell, which has
neither the options this process was given nor, perhaps, its environment (ECS_WIZARD_STATE_DIR).

``ecs-wizard resume 3f2a...`` alone resumes a run only from the default state directory and with the
cloud the shell's configuration picks. So every command the wizard prints for later is built here,
with ``--state-dir DIR`` unless that is the default, ``--demo`` (and ``--profile`` for another
emulated cloud), or the cloud with the region and one endpoint that reach the run:

- from a session (:meth:`Reach.of_settings`): the options that chose what the session reached;
- from a journal read without one (``ecs-wizard report``, :meth:`Reach.of_run`): the run's cloud
  record, which says where the run happened;
- knowing only the state directory (an error before any session, :meth:`Reach.of_directory`).

:class:`wizard.remedy.CommandLine` phrases remedies with one of these (``Reach.command``).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wizard.config import Settings

DEFAULT_PROFILE = "otc"  # the demo's emulated cloud when --profile is not given (wizard.cli)


@dataclass(frozen=True)
class Reach:
    options: tuple[str, ...] = ()  # after the command's own words: ``ecs-wizard resume ID --state-dir DIR --demo``

    def command(self, *words: str) -> str:
        """``ecs-wizard WORDS OPTIONS``, quoted for a POSIX shell."""
        return shlex.join(["ecs-wizard", *words, *self.options])

    @classmethod
    def of_directory(cls, directory: Path | str | None) -> Reach:
        """Only the state directory: ``--state-dir DIR`` unless it is the platform's default (or none was given)."""
        return cls(tuple(_state_dir_options(directory)))

    @classmethod
    def of_settings(cls, settings: Settings, directory: Path) -> Reach:
        """What a session reached: its state directory, and the demo or the cloud with the region, the one
        endpoint and ``--insecure`` where an option chose them (else the shell's configuration does)."""
        options = _state_dir_options(directory)
        if settings.is_demo:
            options += _demo_options(settings.demo_profile)
        else:
            options += ["--cloud", settings.cloud]
            if settings.sources.get("region") == "--region":
                options += ["--region", settings.region]
            if settings.sources.get("endpoint.ecs") == "--endpoint":  # one URL for every service
                options += ["--endpoint", settings.endpoints["ecs"]]
            if not settings.verify_tls:
                options.append("--insecure")
        return cls(tuple(options))

    @classmethod
    def of_run(cls, record: dict[str, Any], directory: Path) -> Reach:
        """Where a journaled run happened (its ``cloud`` record, ``CloudSession.cloud_record``), read without
        a session: the demo, or the cloud and its region (a resume must reach that region whatever the
        shell's configuration says), one endpoint when every service had the same one, ``--insecure``
        when the run had TLS verification off. A record without a cloud (a damaged or foreign one): the
        state directory alone."""
        options = _state_dir_options(directory)
        cloud = record.get("cloud")
        if cloud == "demo":
            options += _demo_options(str(record.get("profile") or ""))
        elif cloud in ("otc", "hwc"):
            options += ["--cloud", str(cloud)]
            if record.get("region"):
                options += ["--region", str(record["region"])]
            endpoints = set((record.get("endpoints") or {}).values())
            if len(endpoints) == 1:
                options += ["--endpoint", str(endpoints.pop())]
            if record.get("verify_tls") is False:
                options.append("--insecure")
        return cls(tuple(options))


def _state_dir_options(directory: Path | str | None) -> list[str]:
    from wizard.journal import platform_state_dir

    if directory is None or Path(directory).resolve() == platform_state_dir().resolve():
        return []
    return ["--state-dir", str(Path(directory).absolute())]  # a fresh shell may start elsewhere


def _demo_options(profile: str) -> list[str]:
    return ["--demo", *(["--profile", profile] if profile and profile != DEFAULT_PROFILE else [])]
