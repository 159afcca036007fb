"""The diagnosis evidence: field, value, the API call it was read from, what it means.

Laid out for the width it gets each time it is drawn. From NARROW columns up it is a table whose
columns are sized to save lines, with cells wrapped at sensible points: between words, after a "/"
of a path; a word too long for its column breaks after "-", "." or "_" (ids, field names) before
anything is cut mid-word. Field names keep their column whole (``extend_info.support_lld``, not
``extend_info.supp`` / ``ort_lld``). Narrower (80 columns), the facts are stacked: the field and
its value, then what it means and where it was read, indented."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from rich import box
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from screens.widgets.plain import as_text
from wizard.diagnose import Evidence
from wizard.text import visible

HEADERS = ("field", "value", "read from", "meaning")
GAP = 3  # between two columns: padding, rule, padding
FIELD_MAX = 24  # the field column never takes more than this
NARROW = 86  # below this width the facts are stacked, not in columns
LONG_WORD = 22  # a word longer than this may break inside (after "-", "." or "_")

# Break opportunities: after whitespace and after "/" (primary); inside a long word after "-",
# "." or "_" (secondary).
PRIMARY = re.compile(r"(?<=/)(?=.)|(?<=\s)(?=\S)")
SECONDARY = re.compile(r"(?<=[-._])(?=.)")


def _pieces(text: str, width: int) -> Iterator[str]:
    for piece in PRIMARY.split(text):
        if len(piece.rstrip()) <= width:
            if piece:
                yield piece
            continue
        for sub in SECONDARY.split(piece):
            while len(sub.rstrip()) > width:
                yield sub[:width]
                sub = sub[width:]
            if sub:
                yield sub


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` characters, broken at the sensible points above."""
    width = max(1, width)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        started = False
        for piece in _pieces(paragraph, width):
            if len((line + piece).rstrip()) <= width:
                line += piece
            else:
                lines.append(line.rstrip())
                line = piece
            started = True
        if line.strip() or not started:
            lines.append(line.rstrip())
    return lines


def _min_width(texts: Iterable[str]) -> int:
    """The narrowest column that breaks none of these texts inside a word of up to LONG_WORD
    characters (longer words break after "-", "." or "_" anyway)."""
    widest = 1
    for text in texts:
        for piece in PRIMARY.split(text):
            piece = piece.strip()
            if len(piece) > LONG_WORD:
                piece = max(SECONDARY.split(piece), key=len)
            widest = max(widest, len(piece))
    return widest


def column_widths(evidence: list[Evidence], width: int) -> list[int]:
    """Widths of (field, value, read from, meaning) that add up to ``width`` with the gaps.

    The field column takes its longest name (up to FIELD_MAX). The other three start at the
    narrowest width that breaks no word, and the rest of the width goes, a few characters at a
    time, where it saves the most lines; what saves nothing goes to the meaning."""
    rows = [(e.field, e.value, e.source, e.meaning) for e in evidence]
    available = max(4 * 4, width - GAP * (len(HEADERS) - 1))
    longest_field = max([len(HEADERS[0]), *(len(r[0]) for r in rows)])
    field = min(longest_field, FIELD_MAX, max(len(HEADERS[0]), available // 3))
    rest = available - field
    columns = [[HEADERS[i], *(r[i] for r in rows)] for i in (1, 2, 3)]
    minimum = [_min_width(texts) for texts in columns]
    if sum(minimum) >= rest:
        # Not even the words fit: share out what there is in proportion.
        widths = [max(4, rest * m // sum(minimum)) for m in minimum]
        widths[-1] += rest - sum(widths)
        return [field, *widths]
    extra = rest - sum(minimum)
    field_lines = [len(wrap(r[0], field)) for r in rows]
    # lines[c][w - minimum[c]][row]: how many lines each cell of column c takes at width w
    lines = [
        [[len(wrap(r[c + 1], w)) for r in rows] for w in range(minimum[c], minimum[c] + extra + 1)] for c in range(3)
    ]

    def height(ws: list[int]) -> int:
        return sum(max(field_lines[i], *(lines[c][ws[c] - minimum[c]][i] for c in range(3))) for i in range(len(rows)))

    widths = list(minimum)
    left = extra
    while left > 0:
        now = height(widths)
        best: tuple[float, int, int] | None = None  # (lines saved per character, -k, column)
        for c in range(3):
            for k in range(1, left + 1):
                trial = list(widths)
                trial[c] += k
                saved = now - height(trial)
                if saved > 0:
                    candidate = (saved / k, -k, c)
                    if best is None or candidate > best:
                        best = candidate
                    break
        if best is None:
            break
        _, minus_k, c = best
        widths[c] -= minus_k
        left += minus_k
    widths[-1] += left  # what saves no line goes to the meaning
    return [field, *widths]


class EvidenceRenderable:
    """A Rich renderable that lays the table out for the width it is given."""

    def __init__(self, evidence: list[Evidence]):
        self.evidence = evidence
        self._widths: dict[int, list[int]] = {}

    def table(self, width: int) -> Table:
        widths = self._widths.get(width)
        if widths is None:
            widths = self._widths[width] = column_widths(self.evidence, width)
        table = Table(box=box.SIMPLE_HEAD, expand=False, show_edge=False, pad_edge=False)
        for header, w in zip(HEADERS, widths, strict=True):
            table.add_column(header, width=w, no_wrap=True, overflow="crop")
        for e in self.evidence:
            table.add_row(
                *(
                    as_text("\n".join(wrap(visible(cell), w)))
                    for cell, w in zip((e.field, e.value, e.source, e.meaning), widths, strict=True)
                )
            )
        return table

    def stacked(self, width: int) -> Text:
        """For narrow screens: each fact as a field line and two indented lines, no columns.

        extend_info.support_lld: false
            means: old format: no lazy loading, slow ECS creation
            read from: CSBS GET checkpoint_items/5ca1ab1e-003c-4000-
                       8000-000000000001
        """
        text = Text()
        for e in self.evidence:
            for n, line in enumerate(wrap(f"{e.field}: {e.value}", width)):
                text.append(("" if n == 0 else "    ") + line + "\n", style="bold" if n == 0 else "")
            for label, value in (("means: ", e.meaning), ("read from: ", e.source)):
                indent = 4 + len(label)
                for n, line in enumerate(wrap(value, max(8, width - indent))):
                    text.append((" " * 4 + label if n == 0 else " " * indent) + line + "\n")
        text.rstrip()
        return text

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        yield self.stacked(width) if width < NARROW else self.table(width)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(min(40, options.max_width), options.max_width)


def evidence_table(evidence: list[Evidence], width: int = 92) -> Table | Text:
    """The evidence as drawn at ``width`` (a table, or stacked facts below NARROW)."""
    renderable = EvidenceRenderable(evidence)
    return renderable.stacked(width) if width < NARROW else renderable.table(width)


class EvidenceTable(Static):
    DEFAULT_CSS = "EvidenceTable { height: auto; padding: 0 1; }"

    def __init__(self, evidence: list[Evidence], **kw):
        super().__init__(EvidenceRenderable(evidence), **kw)
        self.evidence = evidence
