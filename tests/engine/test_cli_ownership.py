"""One open repair per image, and what scan and diagnose say about it: an image with an open run
(interrupted, failed or running) or a fast copy gets no second repair without ``--new``; ``scan``
and ``diagnose`` show ``open_run`` and ``fast_copy``; a run held by another process is refused."""

import json

from tests.engine.test_cli_front_end import FAST, SOURCE_EXISTS, SOURCE_GONE, cli, json_lines
from wizard.journal import Journal
from wizard.ownership import RunLock


def open_run(capsys, state, image=SOURCE_EXISTS):
    """A run stopped before its first billable step (no --yes, no terminal): cancelled, resumable."""
    code, out, _ = cli(capsys, state, "run", image, "--service", "cbr", "--json", *FAST)
    assert code == 3
    return json_lines(out)[-1]["run_id"]


def test_a_second_repair_of_an_image_with_an_open_run_needs_new(capsys, tmp_path):
    run_id = open_run(capsys, tmp_path)
    code, out, err = cli(capsys, tmp_path, "run", SOURCE_EXISTS, "--service", "cbr", "--yes", *FAST)
    assert code == 2
    assert f"has an open repair: run {run_id} (cancelled)" in err
    assert f"ecs-wizard resume {run_id}" in err and "--new" in err and "Traceback" not in err
    assert len(Journal(tmp_path).runs()) == 1  # nothing new was started
    code, out, err = cli(capsys, tmp_path, "run", SOURCE_EXISTS, "--service", "cbr", "--dry-run", *FAST)
    assert code == 0 and "a real run would need --new" in err  # a dry run is only told

    code, out, err = cli(capsys, tmp_path, "run", SOURCE_EXISTS, "--service", "cbr", "--yes", "--new", *FAST)
    assert code == 0, err
    assert f"warning: image erp-app-full-2019 has an open repair: run {run_id}" in err
    runs = Journal(tmp_path).runs()
    assert len(runs) == 2
    second = next(r for r in runs if r.run_id != run_id)
    assert second.plan.new_image_name == "erp-app-full-2019-fast-2"  # named apart from the open run's copy


def test_scan_and_diagnose_show_the_open_run_and_the_fast_copy(capsys, tmp_path):
    run_id = open_run(capsys, tmp_path, SOURCE_GONE)
    code, out, _ = cli(capsys, tmp_path, "scan", "--json")
    row = next(r for r in json.loads(out)["images"] if r["image_id"] == SOURCE_GONE)
    assert row["open_run"] == {"run_id": run_id, "status": "cancelled", "held_by_pid": None}
    assert row["fast_copy"] is None
    code, out, _ = cli(capsys, tmp_path, "diagnose", SOURCE_GONE)
    assert f"Open run: {run_id} (cancelled); resume it with: ecs-wizard resume {run_id}" in out

    # finished, keeping its temporary ECS (so the demo keeps its world for the next command)
    code, out, err = cli(capsys, tmp_path, "resume", run_id, "--yes", *FAST)
    assert code == 0, err
    new_image = Journal(tmp_path).load(run_id).new_image_id
    code, out, _ = cli(capsys, tmp_path, "diagnose", SOURCE_GONE, "--json")
    shown = json.loads(out)
    assert shown["open_run"] is None
    assert shown["fast_copy"] == {"image_id": new_image, "image_name": "erp-batch-full-2019-fast"}
    code, out, _ = cli(capsys, tmp_path, "scan")
    row = next(line for line in out.splitlines() if line.startswith("erp-batch-full-2019 "))
    assert row.split()[-2:] == ["-", "erp-batch-full-2019-fast"]
    assert out.splitlines()[0].split()[-4:] == ["open", "run", "fast", "copy"]


def test_resume_of_a_run_another_process_holds_exits_2_naming_it(capsys, tmp_path):
    run_id = open_run(capsys, tmp_path)
    with RunLock(Journal(tmp_path), run_id):  # as another process would hold it
        import os

        real_getpid = os.getpid
        try:
            os.getpid = lambda: -1  # this test process plays the second process
            code, out, err = cli(capsys, tmp_path, "resume", run_id, "--yes", "--json", *FAST)
        finally:
            os.getpid = real_getpid
    assert code == 2
    assert f"Run {run_id} is open in another process (pid {real_getpid()})" in err
    assert json_lines(out)[-1]["status"] == "bad-input"
