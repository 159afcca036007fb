"""A string wrapper that keeps secrets (SK, passwords, tokens) out of str, repr, logs and errors."""

from __future__ import annotations

from typing import NoReturn

MASK = "********"


class Secret:
    """Holds a secret value; only :meth:`reveal` gives it back.

    ``str()``, ``repr()`` and ``format()`` all print a mask, so a secret that ends up in an
    f-string, a log record, a dataclass repr or an exception message is never disclosed.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if isinstance(value, Secret):
            value = value.reveal()
        self._value = str(value)

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __str__(self) -> str:
        return MASK

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    def __format__(self, spec: str) -> str:
        return MASK

    def __reduce__(self) -> NoReturn:  # pickling would copy the value somewhere we do not control
        raise TypeError("Secret values cannot be pickled")


def mask_text(text: str, secrets: list[Secret | str | None]) -> str:
    """Replace every occurrence of each secret value in ``text`` with the mask."""
    for secret in secrets:
        if secret is None:
            continue
        value = secret.reveal() if isinstance(secret, Secret) else secret
        if value and len(value) >= 4:
            text = text.replace(value, MASK)
    return text


def mask_id(value: str | None, keep: int = 4) -> str:
    """Show only the first characters of an identifier that is not secret but long (an AK)."""
    if not value:
        return "(none)"
    if len(value) <= keep:
        return MASK
    return value[:keep] + "…" + MASK
