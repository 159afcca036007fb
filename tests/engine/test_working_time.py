"""A run's time taken is its steps' working time: time spent waiting for the user (a confirmation, a
guided session's pause) is not in it, and on a demo the cloud's time is the working time at the
emulator's speed (issue 13, section 2)."""

from tests.engine.helpers import repair, start
from wizard.config import resolve
from wizard.report import RunSummary
from wizard.session import open_session

USER_THINKS = 600.0  # seconds a user takes to answer each confirmation


def test_time_waiting_for_a_confirmation_is_not_working_time(session, emu):
    ids = emu.ids

    def slow_yes(step):
        emu.clock.advance(USER_THINKS)  # the cloud's clock runs on while the user reads the question
        return True

    run = repair(
        session,
        ids["image_old_csbs_server_deleted"],
        confirm=slow_yes,
        service="cbr",
        source_exists=False,
        cleanup=True,
    )
    assert run.status == "succeeded"
    asked = [s for s in run.plan.steps if s.state.get("confirmed")]
    assert asked  # the temporary ECS, the vault, the deletion
    span = max(s.ended_at for s in run.plan.steps) - min(s.started_at for s in run.plan.steps)
    summary = RunSummary.of(run)
    assert summary.seconds == sum(s.state["worked"] for s in run.plan.steps if s.started_at)
    # the first question comes before any step starts; each step's time is rounded to 1 ms
    assert summary.seconds <= span - USER_THINKS * (len(asked) - 1) + 0.01
    # Here the runner's clock is the emulator's own: cloud time and time here are one.
    assert summary.cloud_seconds == summary.seconds and summary.speed == 1
    assert "of cloud time" not in summary.duration


def test_a_resumed_step_counts_only_the_time_it_worked(session, emu):
    run = start(session, emu.ids["image_old_csbs_server_exists"], service="cbr", source_exists=True)
    session.runner(run, confirm=lambda step: True, should_cancel=lambda: run.plan.steps[1].status == "running").run()
    backup = run.plan.steps[1]
    assert backup.status == "cancelled" and backup.state["worked"] >= 0
    worked_before = backup.state["worked"]
    emu.clock.advance(3600)  # an hour before someone resumes it
    session.runner(run, confirm=lambda step: True).run()
    assert run.status == "succeeded"
    assert backup.state["worked"] >= worked_before
    assert backup.state["worked"] < backup.ended_at - backup.started_at - 3000


def test_on_a_demo_the_cloud_runs_at_the_emulators_speed(tmp_path):
    demo = open_session(resolve(demo=True), state_dir=tmp_path, speed=600)
    assert demo.cloud_speed == 600
    run = start(demo, demo.emulator.ids["image_old_csbs_server_exists"], service="cbr", source_exists=True)
    demo.runner(run, confirm=lambda step: True).run()
    assert run.status == "succeeded"
    summary = RunSummary.of(run)
    assert summary.cloud_seconds is not None and summary.seconds and summary.speed == 600
    # The emulated CBR backup and image take 240 s and 180 s of cloud time; only the pauses between the
    # wizard's calls run at the cloud's speed, its own work (the calls themselves) at 1x.
    assert 420 <= summary.cloud_seconds < 600 * summary.seconds
    assert summary.duration.endswith(" here at 600x")
    assert " of cloud time, " in summary.duration
