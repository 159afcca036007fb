"""Advice written for the command line, said the TUI's way.

The engine's remedies name CLI commands ("ecs-wizard scan lists the full-ECS images", "resume the
run (ecs-wizard resume)"); in the TUI the same thing is a screen or a key away. ``tui_advice``
rewrites the phrases it knows and leaves the rest as it is.
"""

from __future__ import annotations

import re

# (pattern, replacement), applied in order
REWRITES: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"\(ecs-wizard scan lists the full-ECS images\)"),
        "(close this message: the image list shows the project's full-ECS images)",
    ),
    (
        re.compile(r"ecs-wizard scan lists the full-ECS images"),
        "close this message: the image list shows the project's full-ECS images",
    ),
    (
        re.compile(r"ecs-wizard runs lists the runs this machine knows"),
        "Ctrl+P, 'Open runs' lists the runs this machine knows",
    ),
    (re.compile(r"resume the run \(ecs-wizard resume\)"), "press r to resume the run"),
    (re.compile(r"\(ecs-wizard run IMAGE --service cbr\)"), "(go back to the questions and choose CBR)"),
    (re.compile(r" \(--source-exists no(?: or auto)?\)"), " on the questions screen"),
    (
        re.compile(r"run the repair again with --source-exists no \(or auto\)"),
        "start a new repair of this image and answer No to 'Does the source ECS still exist?'",
    ),
    (re.compile(r"\(ecs-wizard report (\w+) lists it\)"), r"(the run's report lists it: e on the summary)"),
]


def tui_advice(text: str) -> str:
    for pattern, replacement in REWRITES:
        text = pattern.sub(replacement, text)
    return text
