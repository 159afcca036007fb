"""Item 5 of issue 12: a RUN_ID is accepted only in the run-id format, wherever it is accepted, so
no command reads a file outside ``runs/``; a journal's own run id must match its file name."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.security.helpers import FAST, IDS, cli

TRAVERSALS = [
    "../../outside/crafted",
    "../crafted",
    "/etc/passwd",
    "..",
    "runs/../x",
    "0123456789ab/../../outside/crafted",
    "0123456789AB",
    "0123456789abc",
    "0123456789a",
    "012345678\x00ab",
    " 0123456789ab",
]


@pytest.fixture
def state_with_a_run(capsys, tmp_path):
    state = tmp_path / "state"
    code, _, _ = cli(capsys, "run", IDS["image_old_csbs_server_exists"], "--demo", "--speed", FAST, state=state)
    assert code == 3  # journaled, waiting for --yes
    [journal] = (state / "runs").glob("*.json")
    crafted = tmp_path / "outside" / "crafted.json"  # a journal-shaped file outside runs/
    crafted.parent.mkdir()
    shutil.copy(journal, crafted)
    return state, journal.stem, crafted


@pytest.mark.parametrize("run_id", TRAVERSALS)
@pytest.mark.parametrize("command", [["report"], ["resume"], ["resume", "--cleanup", "--yes"]])
def test_a_run_id_that_is_not_one_is_refused_and_nothing_outside_runs_is_read(
    capsys, state_with_a_run, run_id, command
):
    state, real_id, crafted = state_with_a_run
    code, out, err = cli(capsys, command[0], run_id, *command[1:], state=state)
    assert code == 2 and "Traceback" not in err
    assert "is not a run id" in err and "12 lowercase hexadecimal characters" in err
    assert real_id not in out  # the crafted copy was not reported


def test_resume_with_an_empty_run_id_is_an_error_not_the_latest_run(capsys, state_with_a_run):
    state, real_id, _ = state_with_a_run
    code, out, err = cli(capsys, "resume", "", "--yes", state=state)
    assert code == 2 and "is not a run id" in err
    code, out, err = cli(capsys, "report", "", state=state)
    assert code == 2 and "is not a run id" in err


def test_a_journal_whose_run_id_is_not_its_file_name_is_refused(capsys, state_with_a_run):
    state, real_id, _ = state_with_a_run
    other = "ffffffffffff"
    (state / "runs" / f"{other}.json").write_text((state / "runs" / f"{real_id}.json").read_text())
    code, out, err = cli(capsys, "report", other, state=state)
    assert code == 2 and "Damaged journal: run_id" in err and "does not match the file name" in err
    code, out, err = cli(capsys, "resume", other, "--yes", state=state)
    assert code == 2 and "Damaged journal: run_id" in err
    code, out, err = cli(capsys, "runs", "--json", state=state)
    assert [r["run_id"] for r in json.loads(out)] == [real_id]
