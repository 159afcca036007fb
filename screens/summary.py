"""Summary: the new image and its verification, time taken, cleanup and test launch results, what
to do next, and the report export."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, Footer, Header, Static

from screens.base import WizardScreen
from screens.messages import RunReady
from screens.widgets.main_scroll import MainScroll
from screens.widgets.plain import Plain
from wizard import report
from wizard.journal import Run
from wizard.plan import FOLLOW_UPS, follow_ups


def report_path(run: Run, state_dir: Path) -> Path:
    """Where the report of ``run`` is written: the reports folder of the state directory (beside
    the run journals), as an absolute path."""
    return (Path(state_dir) / "reports" / f"ecs-wizard-report-{run.run_id}.md").resolve()


def export_report(run: Run, state_dir: Path) -> Path:
    """Write the Markdown report to ``report_path``; OSError if it cannot be written."""
    path = report_path(run, state_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report.render(run, "md"))
    return path


class SummaryScreen(WizardScreen):
    STEP_LABEL = "7/7 Summary"
    SCROLL = "#summary"
    HELP = (
        "What the run achieved: the new image and its checks, what the optional steps did, and what to "
        "do next. e writes the full report (Markdown) to the reports folder of the state directory (the "
        "full path is at the end of this page); t launches a test ECS from the new image "
        "and times it; d deletes a temporary ECS that was kept (each asks first); q quits."
    )
    BINDINGS = [
        Binding("e", "export", "Export report"),
        Binding("t", "follow_up('test_launch')", "Test launch"),
        Binding("d", "follow_up('delete_temp_server')", "Delete temp ECS"),
        Binding("escape,b", "back", "Back to the steps", key_display="Esc"),
        Binding("q", "quit_app", "Quit", show=False),
    ]

    def __init__(self, run: Run):
        super().__init__()
        self.run = run
        self.exported: Path | None = None

    def compose(self) -> ComposeResult:
        run, plan = self.run, self.run.plan
        yield Header()
        with MainScroll(id="summary"):
            if run.status == "succeeded":
                yield Plain(f"[ok] Done: {plan.image_name} has a fast copy.", classes="screen-title", id="headline")
            else:
                yield Plain(
                    f"[{run.status}] The run has not finished: {run.status}.", classes="screen-title", id="headline"
                )
            image_id = run.new_image_id
            yield Plain("New image", classes="section-title")
            yield Plain(f"  {plan.new_image_name}\n  id: {image_id or '(not created)'}", id="new-image")
            verify = self._step("verify_image")
            checks = (verify.outputs.get("checks") if verify else None) or {}
            if checks:
                yield Plain("Verification", classes="section-title")
                yield Plain(
                    "\n".join(f"  {'[ok]' if ok else '[XX]'} {name}" for name, ok in checks.items()), id="checks"
                )
            if not self.wizard.frozen:
                yield Plain(f"Time taken: {self._duration()}", id="duration")
            test = self._step("test_launch")
            if test is not None:
                yield Plain("Test launch", classes="section-title")
                seconds = test.outputs.get("seconds_to_active")
                text = (
                    f"  An ECS from the new image was ACTIVE after {seconds:.1f} s (the test ECS was deleted)."
                    if seconds is not None
                    else f"  {test.status}: {test.message}"
                )
                slow = self._step("create_temp_server")
                if seconds and slow is not None and slow.started_at and slow.ended_at:
                    before = slow.ended_at - slow.started_at
                    text += (
                        f"\n  The temporary ECS from the old image took {before:.1f} s: "
                        f"the new image creates ECSs {before / seconds:.0f}x faster."
                    )
                yield Plain(text, id="test-launch")
            elif "test_launch" in follow_ups(plan) and run.status == "succeeded":
                yield Plain("Test launch", classes="section-title")
                yield Plain(
                    "  Not done. t creates an ECS from the new image, times how long it takes to become "
                    "ACTIVE, then deletes it (billable while it exists; asks first).",
                    id="test-launch",
                )
            yield Plain("Cleanup", classes="section-title")
            yield Plain(self._cleanup_text(), id="cleanup")
            yield Plain("What to do next", classes="section-title")
            yield Plain(self._next_text(image_id), id="next-steps")
            yield Plain(
                f"Export report (e) writes it to {report_path(run, self.wizard.session.journal.directory)}",
                id="exported",
            )
        yield self.more_hint()
        with Horizontal(classes="buttons"):
            yield Button("Export report (e)", id="export", variant="primary", compact=True)
            offered = follow_ups(plan) if run.status == "succeeded" else []
            if "test_launch" in offered:
                yield Button("Test launch (t)", id="test_launch", compact=True)
            if "delete_temp_server" in offered:
                yield Button("Delete temporary ECS (d)", id="delete_temp_server", compact=True)
            yield Button("Quit (q)", id="quit", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#export", Button).focus()
        self.wizard.transcript.shown(
            f"Summary: run {self.run.run_id} {self.run.status}; new image {self.run.new_image_id}"
        )
        self.wizard.attach_transcript(self.run)

    def _step(self, kind: str):
        return next((s for s in self.run.plan.steps if s.kind == kind), None)

    def _duration(self) -> str:
        starts = [s.started_at for s in self.run.plan.steps if s.started_at]
        ends = [s.ended_at for s in self.run.plan.steps if s.ended_at]
        if not starts or not ends:
            return "-"
        seconds = max(ends) - min(starts)
        minutes, secs = divmod(int(round(seconds)), 60)
        return f"{minutes} min {secs} s" if minutes else f"{seconds:.1f} s"

    def _cleanup_text(self) -> str:
        lines = []
        temp = self._step("create_temp_server")
        delete = self._step("delete_temp_server")
        if temp is not None:
            server_id = temp.outputs.get("server_id") or temp.state.get("server_id")
            if delete is not None and delete.status == "succeeded":
                lines.append(f"  [ok] The temporary ECS {server_id} was deleted.")
            elif delete is not None and delete.status != "skipped":
                lines.append(f"  [..] Deleting the temporary ECS {server_id}: {delete.status}.")
            else:  # never asked for, or declined at its confirmation
                lines.append(
                    f"  [!] The temporary ECS {server_id} was kept as you asked; it is billed until you delete it"
                    + (" (d deletes it now)." if self.run.status == "succeeded" else ".")
                )
        old = self._step("delete_old_image")
        if old is not None:
            lines.append(f"  {'[ok]' if old.status == 'succeeded' else '[..]'} The old image: {old.status}.")
        else:
            lines.append(f"  The old image {self.run.plan.image_id} was kept. Delete it once nothing uses it any more.")
        backups = [r for r in self.run.resources() if r.get("type") in ("backup", "checkpoint", "vault")]
        if backups:
            lines.append(
                "  Keep the new backup: the new image needs it ("
                + ", ".join(r["id"] for r in backups if r.get("type") == "backup")
                + ")."
            )
        return "\n".join(lines)

    def _next_text(self, image_id: str | None) -> str:
        run_id = self.run.run_id
        if self.run.status == "succeeded":
            return (
                f"  Create ECSs from image {image_id} instead of {self.run.plan.image_id}: they build fast now.\n"
                f"  Update launch templates, scripts and auto scaling configurations that name the old image.\n"
                f"  The full record: ecs-wizard report {run_id}"
            )
        return f"  Resume the run: ecs-wizard resume {run_id}\n  The full record: ecs-wizard report {run_id}"

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "export":
            self.action_export()
        elif event.button.id in FOLLOW_UPS:
            self.action_follow_up(event.button.id)
        else:
            await self.action_quit_app()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "follow_up":
            return self.run.status == "succeeded" and parameters[0] in follow_ups(self.run.plan)
        return super().check_action(action, parameters)

    def action_follow_up(self, kind: str) -> None:
        if self.run.status != "succeeded" or kind not in follow_ups(self.run.plan):
            return
        self.wizard.transcript.answered("follow-up", FOLLOW_UPS[kind])
        self.wizard.add_follow_up(self, self.run, kind)

    def on_run_ready(self, message: RunReady) -> None:
        self.wizard.run_follow_up(message.run)

    def action_export(self) -> None:
        self.wizard.attach_transcript(self.run)
        try:
            path = export_report(self.run, self.wizard.session.journal.directory)
        except OSError as error:
            self.query_one("#exported", Static).update(f"[XX] The report could not be written: {error}")
            return
        self.exported = path
        self.query_one("#exported", Static).update(f"[ok] Report written to {path}")
        self.notify(f"Report written to {path}")

    def action_back(self) -> None:
        self.app.pop_screen()

    async def action_quit_app(self) -> None:
        await self.app.action_quit()  # type: ignore[misc]
