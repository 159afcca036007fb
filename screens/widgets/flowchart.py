"""The troubleshooting flowchart with the user's path highlighted: a marker (">>") and bold text,
so it does not rest on colour; other paths are shown folded to one line each."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from wizard import flowchart
from wizard.flowchart import PATHS, STEP_TITLES, PathSpec

MARK = ">> "
BLANK = "   "


def flowchart_text(highlight: PathSpec | None) -> Text:
    text = Text()

    def line(content: str, on: bool, style: str = "") -> None:
        text.append(MARK if on else BLANK, style="bold" if on else "")
        text.append(content + "\n", style=("bold " + style).strip() if on else (style or "dim"))

    on_route = highlight is not None
    for _, heading in flowchart.outline():  # the same nodes and numbers as the CLI and plain mode
        line(heading, on_route)
    for spec in PATHS.values():
        chosen = highlight is not None and spec.id == highlight.id
        answer = f"{spec.service.upper()}, source ECS {'exists' if spec.source_exists else 'gone'}"
        if chosen:
            line(f"   ▶ path {spec.id} ({answer})  ← your path", True, "reverse")
            for number, kind in enumerate(spec.steps, start=1):
                line(f"       {number}. {STEP_TITLES[kind]}", True)
        else:
            line(f"     path {spec.id} ({answer})", False)
    text.append(
        BLANK + "Optional at the end: " + "; ".join(STEP_TITLES[k] for k in flowchart.OPTIONAL_STEPS) + ".",
        style="italic",
    )
    return text


class FlowchartView(Static):
    DEFAULT_CSS = "FlowchartView { height: auto; }"

    def __init__(self, highlight: PathSpec | None = None, **kw: Any) -> None:
        super().__init__(flowchart_text(highlight), **kw)
        self.highlight = highlight
