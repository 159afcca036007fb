"""The run's outcome read once (RunSummary), the one wording for a time span, and where reports go."""

import os
import stat

import pytest

from wizard.journal import Journal, Run
from wizard.plan import Plan
from wizard.remedy import StepError, said
from wizard.report import RunSummary, duration_text, render, report_path, write_report
from wizard.steps import Step


def step(kind, status="succeeded", started=None, ended=None, **outputs):
    s = Step(kind, kind, kind.replace("_", " "), {}, status=status, started_at=started, ended_at=ended)
    s.outputs.update(outputs)
    return s


def source_gone_run(delete_status=None, test_outputs=None, status="succeeded"):
    steps = [
        step("create_temp_server", started=1000.0, ended=1300.0, server_id="srv-1", launch_seconds=300.0),
        step("ensure_vault", started=1300.0, ended=1301.0),
        step("cbr_backup", started=1301.0, ended=1400.0),
        step("create_image", started=1400.0, ended=1500.0, image_id="img-new"),
        step("verify_image", started=1500.0, ended=1502.0, checks={"active": True, "full-ECS image": True}),
    ]
    steps[2].resources.append({"type": "backup", "id": "bk-1", "name": "ecs-wizard-r1"})
    if test_outputs is not None:
        steps.append(step("test_launch", started=1502.0, ended=1527.0, **test_outputs))
    if delete_status is not None:
        steps.append(step("delete_temp_server", status=delete_status, started=1527.0, ended=1530.0))
    plan = Plan("r1", "cbr-source-gone", "img-old", "web", "web-fast", steps)
    return Run("r1", "web", {"cloud": "otc"}, {}, {}, plan, status=status)


def test_one_wording_for_a_time_span():
    assert duration_text(None) == "-"
    assert duration_text(-3) == "0.0 s"
    assert duration_text(42.04) == "42.0 s"
    assert duration_text(65) == "1 min 05 s"
    assert duration_text(3725) == "1 h 02 min"


def test_plan_first_and_failed_step():
    run = source_gone_run()
    assert run.plan.first("cbr_backup") is run.plan.steps[2]
    assert run.plan.first("csbs_backup") is None
    assert run.plan.failed_step() is None
    run.plan.steps[3].status = "timed-out"
    assert run.plan.failed_step() is run.plan.steps[3]


def test_summary_of_a_repair_that_kept_its_temporary_ecs():
    summary = RunSummary.of(source_gone_run(test_outputs={"seconds_to_active": 14.0, "launch_seconds": 12.5}))
    assert summary.succeeded and summary.new_image_id == "img-new"
    assert summary.seconds == 527.0 and summary.duration == "8 min 47 s"
    assert summary.checks == {"active": True, "full-ECS image": True}
    assert summary.before_after.speedup == 24.0
    assert summary.test_launch_text() == (
        "An ECS from the new image was created in 12.5 s (the test ECS was deleted).\n"
        "An ECS from the new image is created 24x faster than one from the old image."
    )
    assert summary.temp_server is not None and summary.temp_server.kept
    assert summary.follow_ups == ["delete_temp_server"]
    assert list(summary.follow_up_hints) == ["delete_temp_server"]
    assert summary.cleanup_lines(" (later)") == [
        ("!", "The temporary ECS srv-1 was kept as you asked; it is billed until you delete it (later)."),
        ("", "The old image img-old was kept. Delete it once nothing uses it any more."),
        ("", "Keep the new backup: the new image needs it (bk-1)."),
    ]


def test_summary_of_a_repair_that_deleted_its_temporary_ecs_and_one_that_failed():
    done = RunSummary.of(source_gone_run(delete_status="succeeded"))
    assert done.temp_server is not None and done.temp_server.deleted and not done.temp_server.kept
    assert done.cleanup_lines()[0] == ("ok", "The temporary ECS srv-1 was deleted.")
    assert done.test_launch is None and "test_launch" in done.follow_ups

    run = source_gone_run(status="failed")
    run.plan.steps[3].status = "failed"
    run.plan.steps[3].error = StepError("quota used up", said("Raise the quota, then resume."))
    failed = RunSummary.of(run)
    assert failed.failed is not None and failed.failed.title == "create image"
    assert failed.failed.remedy is not None
    assert (failed.failed.message, failed.failed.remedy.sentence) == ("quota used up", "Raise the quota, then resume.")
    assert failed.follow_ups == [] and failed.follow_up_hints == {}


def test_the_report_has_the_outcome_the_front_ends_show():
    md = render(source_gone_run(test_outputs={"seconds_to_active": 14.0, "launch_seconds": 12.5}), "md")
    outcome = md.split("## Outcome")[1].split("## ")[0]
    assert "- **Time taken:** 8 min 47 s" in md
    assert "Verification of the new image: active: ok; full-ECS image: ok" in outcome
    assert "created in 12.5 s (the test ECS was deleted). An ECS from the new image is created 24x faster" in outcome
    assert "was kept as you asked; it is billed until you delete it (`ecs-wizard resume r1 --cleanup`)." in outcome
    assert "| 1 | create temp server | succeeded | 0 | " in md and " | 5 min 00 s | " in md  # one wording
    before_after = md.split("## Before and after")[1].split("\n## ")[0]
    assert "```text\nOld image  " + "█" * 40 + " 5 min 00 s\nNew image  ██ 12.5 s\n```" in before_after
    assert "- An ECS from the new image is created 24x faster than one from the old image." in before_after
    assert "```mermaid\nxychart-beta\n" in before_after and "    bar [5, 0.2]" in before_after


def test_reports_go_to_the_reports_directory_readable_by_their_owner_only(tmp_path):
    journal = Journal(tmp_path / "state")
    run = source_gone_run()
    path = report_path(journal, "r1", "md")
    assert path == (tmp_path / "state" / "reports" / "ecs-wizard-report-r1.md").resolve()
    assert report_path(journal, "r1", "json").name == "ecs-wizard-report-r1.json"
    assert write_report(run, journal) == path and "# ecs-wizard run r1" in path.read_text()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700

    chosen = tmp_path / "out.json"  # report -o: the file the user names, also 0600 when it existed before
    chosen.write_text("old")
    chosen.chmod(0o644)
    write_report(run, journal, "json", chosen)
    assert stat.S_IMODE(os.stat(chosen).st_mode) == 0o600 and '"run_id": "r1"' in chosen.read_text()

    with pytest.raises(OSError):  # a directory the user names must exist
        write_report(run, journal, "md", tmp_path / "missing" / "x.md")
    assert not (tmp_path / "missing").exists()
    with pytest.raises(ValueError, match="unknown report format"):
        report_path(journal, "r1", "pdf")


def test_a_working_time_here_and_in_the_cloud():
    from wizard.report import here_and_cloud

    assert here_and_cloud(24.0, 240.0, 10) == "4 min 00 s of cloud time, 24.0 s here at 10x"
    assert here_and_cloud(2.0, 1100.0, 600) == "18 min 20 s of cloud time, 2.0 s here at 600x"
    assert here_and_cloud(42.0, 42.0, 1) == "42.0 s"  # a real cloud: one time
    assert here_and_cloud(42.0, None, None) == "42.0 s"
    assert here_and_cloud(None, None, None) == "-"


def test_time_taken_is_the_steps_working_time_not_the_waits_between_them():
    run = source_gone_run()
    for s in run.plan.steps:  # each step worked a tenth of its span; the rest was the user reading
        s.state["worked"] = (s.ended_at - s.started_at) / 10
        s.state["cloud_worked"] = s.state["worked"] * 60
        s.state["speed"] = 60.0
    summary = RunSummary.of(run)
    assert summary.seconds == pytest.approx(50.2) and summary.cloud_seconds == pytest.approx(3012.0)
    assert summary.speed == 60.0
    assert summary.duration == "50 min 12 s of cloud time, 50.2 s here at 60x"
    assert "- **Time taken:** 50 min 12 s of cloud time, 50.2 s here at 60x" in render(run, "md")
