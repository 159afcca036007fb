"""Text that came from outside (the cloud, a journal) shown as text, never as instructions to the
terminal: one helper, :func:`visible`, used by every front end before such a string is printed.

A name such as ``"\\x1b]0;pwned\\x07web"`` would set the terminal's title, ``"\\r"`` rewrite the line,
``"\\x1b[2J"`` clear the screen, and the bidirectional overrides (U+202E) reorder what is shown. Each
such character is written as its escape (``\\x1b``, ``\\r``, ``\\u202e``), so the user sees exactly what
the cloud holds. JSON output needs none of this: ``json.dumps`` escapes control characters itself.
Markup is a separate matter: the TUI hands cloud text to widgets as ``Content``/``Text``, not markup.
"""

from __future__ import annotations

import re
from typing import Any

# C0 controls, DEL and C1 controls; the bidirectional embeddings, overrides and isolates; the line
# and paragraph separators that some terminals break lines on.
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _NAMED.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


def visible(value: Any, *, lines: bool = False) -> str:
    """``str(value)`` with every control character written as its escape (see the module docstring).
    ``lines``: keep line breaks, for a whole message or page that is ours and quotes cloud text."""
    text = "" if value is None else str(value)
    if lines:
        return "\n".join(_INVISIBLE.sub(_escape, line) for line in text.split("\n"))
    return _INVISIBLE.sub(_escape, text)
