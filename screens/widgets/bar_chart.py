"""The before/after bar chart: one horizontal bar per image, as long as the time the cloud took to create
an ECS from it, scaled to the widget's width; a side that was not measured says so instead of a bar."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.widget import Widget

from wizard.before_after import NOT_MEASURED, BeforeAfter
from wizard.report import duration_text


class BarChart(Widget):
    DEFAULT_CSS = """
    BarChart { height: auto; padding: 0 1 0 3; }
    BarChart > .bar-chart--old { color: $error; }
    BarChart > .bar-chart--new { color: $success; }
    BarChart > .bar-chart--missing { color: $text-muted; text-style: italic; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"bar-chart--old", "bar-chart--new", "bar-chart--missing"}

    def __init__(self, chart: BeforeAfter, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.chart = chart

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        return len(self.chart.sides)

    def render(self) -> Text:
        sides = self.chart.sides
        label_width = max(len(side.label) for side in sides)
        figures = [duration_text(side.seconds) for side in sides if side.seconds is not None]
        room = max(1, self.content_size.width - label_width - 3 - max((len(f) for f in figures), default=0))
        longest = max(side.seconds or 0.0 for side in sides)
        text = Text(no_wrap=True, overflow="ellipsis")
        for n, (side, part) in enumerate(zip(sides, ("old", "new"), strict=True)):
            text.append(f"{side.label:<{label_width}}  ")
            if side.seconds is None:
                text.append(NOT_MEASURED, self.get_component_rich_style("bar-chart--missing"))
            else:
                length = max(1, round(room * side.seconds / longest))
                text.append("█" * length, self.get_component_rich_style(f"bar-chart--{part}"))
                text.append(f" {duration_text(side.seconds)}")
            if n < len(sides) - 1:
                text.append("\n")
        return text
