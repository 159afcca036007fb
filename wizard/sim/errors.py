"""An error the emulator answers with, rendered in the calling service's body format."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ApiError(Exception):
    """A handler's refusal, answered with the service's error body."""

    status: int
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"


class LostResponse(Exception):
    """Raised after an action was performed whose answer must never reach the client.

    The in-process adapter turns it into ``requests.ConnectionError``; the loopback server closes
    the connection without writing a response.
    """
