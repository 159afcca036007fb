"""Image picker: the project's full-ECS images, each row's verdict filled in by a background scan;
filter by name or id, or type an id (or exact name) and press Enter."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Header, Input, Static

from screens.base import WizardScreen
from screens.messages import DiagnosisReady, ImagesListed, ScanFinished, ScanResult
from screens.widgets.footer import Footer
from screens.widgets.plain import Plain, as_text
from wizard.diagnose import Diagnosis, no_full_ecs_images
from wizard.verdict import Verdict

DIAGNOSING = "… diagnosing"
VERDICT_WIDTH = max(len(w) for w in [*(v.marked for v in Verdict), DIAGNOSING])
KEEP_TAIL = 12  # ids differ at the end: an id too long for its column keeps its last 12 characters


def fit_id(image_id: str, width: int) -> str:
    """The id whole where it fits, else with an ellipsis in the middle that keeps its start (as
    much as fits) and its last KEEP_TAIL characters: 5ca1ab1e-001b…000000000004."""
    if len(image_id) <= width:
        return image_id
    if width <= KEEP_TAIL + 1:
        return "…" + image_id[-(max(1, width) - 1) :] if width > 1 else "…"
    head = width - KEEP_TAIL - 1
    return image_id[:head] + "…" + image_id[-KEEP_TAIL:]


class PickerScreen(WizardScreen):
    STEP_LABEL = "2/7 Choose an image"
    HELP = (
        "The table lists the project's full-ECS images; the verdict column fills in as a background scan "
        "diagnoses each one. Type in the filter to narrow the list by name or id, or type a full image id "
        "(or an exact name) and press Enter to diagnose that image directly."
    )
    BINDINGS = [
        Binding("slash", "focus_filter", "Filter", key_display="/"),
        Binding("escape", "back", "Back", key_display="Esc"),
        Binding("ctrl+r", "rescan", "Scan again"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.images: list = []
        self.verdicts: dict[str, Diagnosis] = {}
        self.scan_done = False
        self.shown_id_width: int | None = None
        self.aimed_row = 0  # where the list put the cursor itself; elsewhere: the user moved it

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="picker"):
            yield Plain("Which image creates ECSs slowly?", classes="screen-title")
            yield Input(
                placeholder="filter by name or id, or type an image id and press Enter",
                id="filter",
                select_on_focus=False,
            )
            yield Plain("Listing the project's full-ECS images…", id="scan-status")
            table: DataTable[Text] = DataTable(
                cursor_type="row", zebra_stripes=True, id="images", classes="busy-target"
            )
            table.add_column("name", key="name")
            # As wide as the widest verdict from the start, so the ids' room does not change.
            table.add_column("verdict", key="verdict", width=VERDICT_WIDTH)
            table.add_column("image id", key="id")
            yield table
            yield Plain("↑/↓ choose, Enter diagnose; type to filter; Esc back", classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#images", DataTable).loading = True
        self.wizard.scan_images(self)

    def on_key(self, event: events.Key) -> None:
        """Typing while the list has focus goes to the filter, as the placeholder promises."""
        if not self.query_one("#images", DataTable).has_focus:
            return
        if event.character and (event.character.isalnum() or event.character in "-_."):
            box = self.query_one("#filter", Input)
            box.focus()
            box.insert_text_at_cursor(event.character)
            event.stop()

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_back(self) -> None:
        if self.query_one("#filter", Input).has_focus and self.query_one("#filter", Input).value:
            self.query_one("#filter", Input).value = ""
            return
        self.app.pop_screen()

    def action_rescan(self) -> None:
        self.verdicts.clear()
        self.scan_done = False
        self.query_one("#images", DataTable).loading = True
        self.wizard.scan_images(self)

    # -- scan results ----------------------------------------------------------------------------

    def on_images_listed(self, message: ImagesListed) -> None:
        self.images = message.images
        self.query_one("#images", DataTable).loading = False
        self._fill()
        self._status()
        self.query_one("#images", DataTable).focus()

    def on_scan_result(self, message: ScanResult) -> None:
        d = message.diagnosis
        self.verdicts[d.image_id] = d
        table = self.query_one("#images", DataTable)
        if d.image_id in table.rows:
            table.update_cell(d.image_id, "verdict", Text(d.verdict.marked))
        self._aim_at_first_affected()
        self._status()

    def _aim_at_first_affected(self) -> None:
        """The cursor on the first affected image, as plain mode's default, while the user has not
        moved it: verdicts arrive in any order, so an earlier affected row takes it over."""
        table = self.query_one("#images", DataTable)
        if table.cursor_row != self.aimed_row:
            return
        affected = (
            n for n, row in enumerate(table.ordered_rows) if (d := self.verdicts.get(str(row.key.value))) and d.affected
        )
        first = next(affected, None)
        if first is not None and first != table.cursor_row:
            table.move_cursor(row=first)
            self.aimed_row = first

    def on_scan_finished(self, message: ScanFinished) -> None:
        self.scan_done = True
        self._status()

    def _status(self) -> None:
        total, done = len(self.images), len(self.verdicts)
        affected = sum(1 for d in self.verdicts.values() if d.affected)
        unknown = sum(1 for d in self.verdicts.values() if d.verdict is Verdict.UNKNOWN)
        if not total and self.scan_done:
            session = self.wizard.session
            text = no_full_ecs_images(session.clients.project_id, session.settings.region)
        elif not total:
            text = "Listing the project's full-ECS images…"
        elif done < total:
            text = f"{total} full-ECS images; diagnosing in the background: {done} of {total} done"
        else:
            text = f"{total} full-ECS images scanned: {affected} affected (marked ✗)" + (
                f", {unknown} unknown (marked ?: the cloud's answers do not tell)." if unknown else "."
            )
        self.query_one("#scan-status", Static).update(text)

    def _id_width(self) -> int:
        """Room for the id column: what the table's width leaves after the name and the verdict."""
        table = self.query_one("#images", DataTable)
        width = table.scrollable_content_region.width or self.app.size.width - 8
        names = max([len("name"), *(len(i.name) for i in self.images)])
        return max(KEEP_TAIL + 1, width - names - VERDICT_WIDTH - 2 * table.cell_padding * 3)

    def _fill(self, keep_cursor: bool = False) -> None:
        needle = self.query_one("#filter", Input).value.strip().lower()
        table = self.query_one("#images", DataTable)
        id_width = self._id_width()
        self.shown_id_width = id_width
        cursor = table.cursor_row
        table.clear()
        for image in self.images:
            if needle and needle not in image.name.lower() and needle not in image.id.lower():
                continue
            d = self.verdicts.get(image.id)
            verdict = d.verdict.marked if d else DIAGNOSING
            table.add_row(as_text(image.name), Text(verdict), as_text(fit_id(image.id, id_width)), key=image.id)
        if keep_cursor and table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))
        else:
            self.aimed_row = table.cursor_row
            self._aim_at_first_affected()

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self._refit)

    def _refit(self) -> None:
        if self.images and self._id_width() != self.shown_id_width:
            self._fill(keep_cursor=True)

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        ref = event.value.strip()
        table = self.query_one("#images", DataTable)
        only = table.coordinate_to_cell_key(Coordinate(0, 0)).row_key.value if table.row_count == 1 else None
        if only and ref:
            self._choose(only)
        elif ref:
            self._choose(ref)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self._choose(event.row_key.value)

    def _choose(self, ref: str) -> None:
        known = self.verdicts.get(ref)
        if known is not None:
            self._show(known)
            return
        self.query_one("#scan-status", Static).update(f"Diagnosing {ref}…")
        self.query_one("#images", DataTable).loading = True
        self.wizard.diagnose_image(self, ref)

    def on_diagnosis_ready(self, message: DiagnosisReady) -> None:
        self.query_one("#images", DataTable).loading = False
        self._status()
        self._show(message.diagnosis)

    def _show(self, diagnosis: Diagnosis) -> None:
        from screens.diagnosis import DiagnosisScreen

        self.wizard.transcript.answered("Which image?", f"{diagnosis.image_name} ({diagnosis.image_id})")
        self.wizard.forget_answers_unless(diagnosis.image_id)
        self.app.push_screen(DiagnosisScreen(diagnosis))
