"""User-facing errors: a message, what to do about it (a :class:`~wizard.remedy.Remedy`), and the exit code
the CLI returns."""

from __future__ import annotations

from wizard.remedy import Remedy, said

# Exit codes (documented in the README).
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_NEEDS_CONFIRMATION = 3
EXIT_NOT_AFFECTED = 4
EXIT_UNKNOWN = 5  # the cloud's answers do not show whether an image is affected (verdict "unknown")
EXIT_INTERRUPTED = 130


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
        """As the command line says it."""
        return self.message + (f"\n  → {self.remedy.sentence}" if self.remedy else "")


class UsageError(WizardError):
    """Bad input: an unknown image, a malformed id, a missing setting."""

    exit_code = EXIT_USAGE


class ConfigError(UsageError):
    """The cloud settings are missing or inconsistent."""
