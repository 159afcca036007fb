"""What one command invocation shares between its parts: the parsed arguments, the session it
opened (closed on every way out), the run it is working on and whether the closing ``run-finished``
event was printed."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any

from wizard import errors
from wizard.cloud.errors import CloudError, CloudUnreachable
from wizard.remedy import CommandLine
from wizard.status import RunStatus

if TYPE_CHECKING:
    from wizard.config import Settings
    from wizard.ownership import RunLock
    from wizard.session import CloudSession

CLOUD_FAILURES = (CloudError, CloudUnreachable)


def interactive() -> bool:
    """Someone can answer questions: standard input and output are both terminals."""
    return sys.stdin.isatty() and sys.stdout.isatty()


@dataclass
class Invocation:
    """One command being carried out. A context manager: leaving it closes the session (a demo's
    emulated world is kept or forgotten there, see :meth:`CloudSession.close`)."""

    args: argparse.Namespace
    session: CloudSession | None = None
    active_run_id: str | None = None  # the run a closing run-finished event names
    run_finished_shown: bool = False
    run_lock: RunLock | None = None  # the run this command works on is this process's until it ends

    def __enter__(self) -> Invocation:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self.run_lock is not None:
            self.run_lock.release()
        if self.session is not None:
            self.session.close()

    @property
    def commands(self) -> CommandLine:
        """Remedies phrased as commands that work as printed: with the session's options once one is open,
        else with the state directory the options and the environment name (``wizard.reach``)."""
        if self.session is not None:
            return self.session.command_line
        from wizard.journal import Journal
        from wizard.reach import Reach

        return CommandLine(Reach.of_directory(Journal(self.args.state_dir).directory).command)

    def command(self, *words: str) -> str:
        """``ecs-wizard WORDS`` as it works pasted into a fresh shell (see :attr:`commands`)."""
        return self.commands.build(*words)

    def settings(self, demo: bool = False, profile: str | None = None) -> Settings:
        """The cloud settings from the options and the environment; ``demo`` as if --demo was given,
        ``profile`` as if --profile was (the option wins)."""
        from wizard.config import resolve

        a = self.args
        if a.profile is not None and not (demo or a.demo):
            raise errors.UsageError("--profile only applies to the demo emulator.", "Add --demo, or leave it out.")
        return resolve(
            demo=demo or a.demo,
            cloud=a.cloud,
            region=a.region,
            endpoint=a.endpoint,
            insecure=a.insecure,
            profile=a.profile or profile,
        )

    def open_session(self, demo: bool = False, profile: str | None = None, *, check: bool = False) -> CloudSession:
        """A session on the resolved settings (``demo``: on the emulator, ``profile`` the cloud it is when
        --profile does not say), kept to be closed at the end. ``check``: first make sure the cloud accepts
        a signed call, and stop with what is wrong, in words, if it does not (exit 2 when the settings are
        wrong, 1 when the cloud cannot be reached)."""
        import wizard.session

        settings = self.settings(demo=demo, profile=profile)
        if settings.credentials is None:
            raise errors.ConfigError(
                "No cloud credentials were found.",
                "Set HUAWEICLOUD_SDK_AK/SK/PROJECT_ID or OS_CLOUD (see 'ecs-wizard config show'), "
                "or try 'ecs-wizard demo'.",
            )
        if self.args.speed is not None and not settings.is_demo:
            raise errors.UsageError("--speed only applies to the demo emulator.")
        doing = f"ecs-wizard {getattr(self.args, 'command_name', '')}".strip()
        self.session = wizard.session.open_session(
            settings, state_dir=self.args.state_dir, speed=self.args.speed, doing=doing
        )
        problem = self.session.check_connection() if check else None
        if problem is not None:
            raise errors.WizardError(
                f"Not connected: {problem.text}.",
                problem.fix,
                exit_code=errors.EXIT_USAGE if problem.settings_wrong else errors.EXIT_FAILED,
            )
        return self.session

    def print_run_finished(self, status: str, run_id: str | None, message: str = "", **fields: Any) -> None:
        """--json: the closing event of ``run``/``resume`` on every way out (same shape as the runner's)."""
        event: dict[str, Any] = {
            "event": "run-finished",
            "status": status,
            "run_id": run_id,
            "new_image_id": fields.pop("new_image_id", None),
        }
        if message:
            event["message"] = message
        event.update(fields)
        event["at"] = datetime.now(UTC).isoformat(timespec="seconds")
        print(json.dumps(event, default=str), flush=True)
        self.run_finished_shown = True

    def ends_with_run_finished(self, body: Callable[[Invocation], int]) -> int:
        """Run ``body``. With --json, the last line on stdout is a run-finished event also when it stops
        on bad input, a cloud error or Ctrl-C before the runner could say so (the error still goes to
        stderr, from :func:`wizard.cli.main`)."""
        try:
            return body(self)
        except errors.WizardError as exc:
            self._close_unfinished("bad-input" if exc.exit_code == errors.EXIT_USAGE else RunStatus.FAILED, exc.message)
            raise
        except CLOUD_FAILURES as exc:
            self._close_unfinished(RunStatus.FAILED, str(exc))
            raise
        except KeyboardInterrupt:
            self._close_unfinished(RunStatus.CANCELLED, "interrupted")
            raise

    def _close_unfinished(self, status: str, message: str) -> None:
        if self.args.json and not self.run_finished_shown:
            self.print_run_finished(status, self.active_run_id, message)
