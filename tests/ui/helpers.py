"""Pilot helpers: small steps that drive the wizard as a person would (keys), waiting on workers
and messages instead of sleeping."""

from __future__ import annotations

SIZE = (100, 30)
RUN_ID = "0123456789ab"


async def settle(app, pilot, rounds: int = 3) -> None:
    for _ in range(rounds):
        await app.workers.wait_for_complete()
        await pilot.pause()


async def wait_for(pilot, condition, timeout: float = 20.0, step: float = 0.02) -> None:
    waited = 0.0
    while not condition():
        if waited > timeout:
            raise AssertionError(f"timed out after {timeout} s waiting for {condition}")
        await pilot.pause(step)
        waited += step


def screen_name(app) -> str:
    return type(app.screen).__name__


def text_of(widget) -> str:
    return str(widget.render()) if not hasattr(widget, "content") else str(widget.content)


async def to_picker(app, pilot) -> None:
    await pilot.pause()
    assert screen_name(app) == "WelcomeScreen"
    await pilot.press("enter")
    await wait_for(pilot, lambda: screen_name(app) == "PickerScreen" and app.screen.scan_done)
    await pilot.pause()


async def to_diagnosis(app, pilot, image_id: str, type_it: bool = False) -> None:
    """Choose the image by its id in the filter box: typed key by key, or pasted (faster)."""
    from textual.widgets import Input

    await to_picker(app, pilot)
    await pilot.press("slash")
    if type_it:
        await pilot.press(*image_id)
    else:
        app.screen.query_one("#filter", Input).insert_text_at_cursor(image_id)
        await pilot.pause()
    await pilot.press("enter")
    await wait_for(pilot, lambda: screen_name(app) == "DiagnosisScreen")
    await pilot.pause()


async def to_questions(app, pilot, image_id: str) -> None:
    await to_diagnosis(app, pilot, image_id)
    await pilot.press("n")
    await wait_for(pilot, lambda: screen_name(app) == "QuestionsScreen")
    await settle(app, pilot)


async def choose(app, pilot, key: str, index: int) -> None:
    """Pick choice ``index`` of question ``key`` with the keyboard."""
    from textual.widgets import RadioSet

    radio = app.screen.query_one(f"#q-{key}", RadioSet)
    radio.focus()
    await pilot.pause()
    current = radio.pressed_index  # focusing highlights the pressed button
    for _ in range(index - current if index > current else 0):
        await pilot.press("down")
    for _ in range(current - index if current > index else 0):
        await pilot.press("up")
    await pilot.press("enter")
    await settle(app, pilot)
    assert radio.pressed_index == index


async def to_overview(
    app, pilot, image_id: str, service: str = "cbr", source_exists: bool | None = None, test_launch: bool = False
) -> None:
    await to_questions(app, pilot, image_id)
    if service == "csbs":
        await choose(app, pilot, "service", 1)
    if source_exists is not None:
        await choose(app, pilot, "source_exists", 0 if source_exists else 1)
        await settle(app, pilot)
    if test_launch:
        await choose(app, pilot, "test_launch", 1)
    await pilot.press("n")
    await wait_for(pilot, lambda: screen_name(app) == "OverviewScreen")
    await pilot.pause()


async def run_to_end(app, pilot, answer: str = "y", timeout: float = 30.0, decline: str | None = None) -> None:
    """Answer every confirmation with ``answer`` until the run stops; "n" to one whose text holds ``decline``."""
    from screens.execution import ExecutionScreen

    def execution():
        return next(s for s in app.screen_stack if isinstance(s, ExecutionScreen))

    waited = 0.0
    while True:
        await pilot.pause(0.02)
        waited += 0.02
        if screen_name(app) == "ConfirmModal":
            await pilot.press("n" if decline and decline in app.screen.text else answer)
            continue
        ex = execution()
        if not ex.running and ex.finished_status is not None:
            break
        if waited > timeout:
            raise AssertionError("the run did not finish")
    await settle(app, pilot)
