"""User-facing errors: a message, what to do about it (a :class:`~wizard.remedy.Remedy`), and the exit code
the CLI returns."""

from __future__ import annotations

from wizard.remedy import COMMAND_LINE, Phrases, Remedy, said

# Exit codes (documented in the README).
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_NEEDS_CONFIRMATION = 3
EXIT_NOT_AFFECTED = 4
EXIT_UNKNOWN = 5  # the cloud's answers do not show whether an image is affected (verdict "unknown")
EXIT_BACKUP_MISSING = 6
EXIT_IMAGE_NOT_ACTIVE = 7
EXIT_NOT_FULL_ECS_IMAGE = 8
EXIT_INTERRUPTED = 130

VERDICT_EXIT_CODES = {
    "affected": EXIT_OK,
    "not-affected-cbr": EXIT_NOT_AFFECTED,
    "not-affected-new-format": EXIT_NOT_AFFECTED,
    "unknown": EXIT_UNKNOWN,
    "backup-missing": EXIT_BACKUP_MISSING,
    "image-not-active": EXIT_IMAGE_NOT_ACTIVE,
    "not-full-ecs-image": EXIT_NOT_FULL_ECS_IMAGE,
}
"""What ``diagnose`` exits with for each verdict (``wizard.verdict``), and ``run`` and plain mode for
each they do not repair: 0 affected (a repair is possible), 4 not affected, 5 unknown, then one code
for each verdict that needs something else first."""


def verdict_exit_code(verdict: str) -> int:
    """A verdict without a code of its own (one added later) fails rather than passing for 'affected'."""
    return VERDICT_EXIT_CODES.get(str(verdict), EXIT_FAILED)


class WizardError(Exception):
    """An expected failure the user can act on; the CLI prints it without a traceback."""

    exit_code = EXIT_FAILED

    def __init__(self, message: str, remedy: str | Remedy = "", exit_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.remedy = said(remedy)  # a sentence is a reason the wizard can do nothing about
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        """As the command line says it, with bare commands."""
        return self.said_by(COMMAND_LINE)

    def said_by(self, phrases: Phrases) -> str:
        """The message and what to do, as ``phrases`` say it (a session's ``command_line``: commands that
        work as printed)."""
        return self.message + (f"\n  → {phrases.say(self.remedy)}" if self.remedy else "")


class UsageError(WizardError):
    """Bad input: an unknown image, a malformed id, a missing setting."""

    exit_code = EXIT_USAGE


class ConfigError(UsageError):
    """The cloud settings are missing or inconsistent."""
