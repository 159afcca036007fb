"""No confident verdict from an ambiguous answer. A backup that CBR and CSBS do not find counts as
deleted only where both list the project's backups; with a wrong project id every call answers 404,
so every image is ``unknown``, with the reason, not ``backup-missing``; a look-up that is refused or
not answered says ``unknown`` too; a source ECS that ECS does not find is "deleted" only where ECS
lists the project's servers. ``diagnose``, ``scan`` and ``run`` exit 5 on an unknown verdict."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from wizard.cloud.client import build_clients
from wizard.cloud.models import Backup
from wizard.config import resolve
from wizard.diagnose import diagnose, scan
from wizard.sim import DEMO, Emulator
from wizard.verdict import Verdict

WRONG_PROJECT = "0123456789abcdef0123456789abcdef"


def clients_for(emu: Emulator, project_id: str = DEMO.project_id):
    settings = resolve(demo=True)
    settings.project_id = project_id
    return build_clients(settings, settings.require_credentials(), session_factory=emu.session, sleep=lambda s: None)


def test_a_wrong_project_id_makes_every_verdict_unknown_not_backup_missing():
    """The issue's case: today every image was 'backup-missing', '0 affected', exit 0."""
    results = scan(clients_for(Emulator(speed=0), WRONG_PROJECT))
    assert len(results) == 6
    assert {d.verdict for d in results} == {Verdict.UNKNOWN}
    reason = results[0].reason or ""
    assert "CBR (404 BackupService.0404) and CSBS (404 CSBS.0404) did not list this project's backups" in reason
    assert "the project id or the region may be wrong" in reason
    evidence = {e.field: e for e in results[0].evidence}
    assert evidence["CSBS backups of the project"].value == "not listed (404 CSBS.0404)"
    assert results[0].summary.startswith("Unknown: the cloud's answers do not show whether this image is affected.")


def test_a_deleted_backup_is_backup_missing_once_both_services_answer_for_the_project():
    emu = Emulator(speed=0)
    d = diagnose(clients_for(emu), emu.ids["image_backup_deleted"])
    assert d.verdict is Verdict.BACKUP_MISSING and d.reason is None
    listed = [e for e in d.evidence if e.field.endswith("backups of the project")]
    assert [e.value for e in listed] == ["listed", "listed"]


def test_a_service_that_will_not_list_the_projects_backups_leaves_it_unknown():
    emu = Emulator(speed=0, faults=["csbs.list_backups:status=403:code=CSBS.0403"])
    results = {d.image_id: d for d in scan(clients_for(emu))}
    missing = results[emu.ids["image_backup_deleted"]]
    assert missing.verdict is Verdict.UNKNOWN and "CSBS (403 CSBS.0403)" in (missing.reason or "")
    # images whose backup was found keep their verdicts: finding is evidence, not finding needs more
    assert results[emu.ids["image_old_csbs_server_exists"]].verdict is Verdict.AFFECTED
    assert results[emu.ids["image_cbr"]].verdict is Verdict.NOT_AFFECTED_CBR


def test_a_refused_backup_look_up_is_unknown_with_the_clouds_words():
    emu = Emulator(speed=0, faults=["cbr.get_backup:status=403:code=BackupService.0403:message=denied"])
    d = diagnose(clients_for(emu), emu.ids["image_backup_deleted"])
    assert d.verdict is Verdict.UNKNOWN
    assert d.reason == "CBR answered 403 BackupService.0403 (denied) when asked for its backup"
    assert {e.field: e.value for e in d.evidence}["CBR backup"] == "not told (403 BackupService.0403)"


def test_a_refused_look_up_in_one_service_does_not_hide_the_backup_the_other_finds():
    """A backup id lives in one service: CSBS finding it settles the verdict whatever CBR answered."""
    emu = Emulator(speed=0, faults=["cbr.get_backup:status=403:code=BackupService.0403:message=denied"])
    d = diagnose(clients_for(emu), emu.ids["image_old_csbs_server_exists"])
    assert d.verdict is Verdict.AFFECTED and d.reason is None
    assert d.backup_service == "csbs"


def test_an_unanswered_list_says_so_and_what_that_may_mean():
    emu = Emulator(speed=0, faults=["cbr.list_backups:status=503:code=SYS.503"])
    d = diagnose(clients_for(emu), emu.ids["image_backup_deleted"])
    assert d.verdict is Verdict.UNKNOWN
    assert d.reason == (
        "CBR and CSBS answer 'not found' for its backup, but CBR (503 SYS.503) did not list this project's "
        "backups either, so it may exist: the service failed to answer"
    )


def test_a_source_ecs_not_found_by_an_ecs_that_lists_nothing_is_not_called_deleted():
    emu = Emulator(
        speed=0, faults=["ecs.list_servers:status=403:code=Ecs.0403", "ecs.get_server:status=404:code=Ecs.0114"]
    )
    d = diagnose(clients_for(emu), emu.ids["image_old_csbs_server_exists"])
    assert d.verdict is Verdict.AFFECTED  # the backup's format is evidence enough
    assert d.source_server is not None and d.source_server.exists is None  # not "deleted"


def test_a_scan_asks_the_project_once():
    emu = Emulator(speed=0)
    scan(clients_for(emu, WRONG_PROJECT), concurrency=4)
    lists = [r for r in emu.request_log if r[0] == "GET" and r[1].endswith(("/backups", "/checkpoint_items"))]
    assert len(lists) == 2


# -- the commands -----------------------------------------------------------------------------------


def ecs_wizard(url: str, *args: str, state: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUAWEICLOUD_", "OS_", "ECS_WIZARD_"))}
    env.update(
        HUAWEICLOUD_SDK_AK=DEMO.ak,
        HUAWEICLOUD_SDK_SK=DEMO.sk,
        HUAWEICLOUD_SDK_PROJECT_ID=DEMO.project_id,
        ECS_WIZARD_ENDPOINT=url,
        ECS_WIZARD_STATE_DIR=str(state),
        PYTHONPATH=str(Path(__file__).resolve().parents[2]),
    )
    return subprocess.run([sys.executable, "-m", "wizard", *args], capture_output=True, text=True, env=env, timeout=120)


def test_diagnose_scan_and_run_exit_5_on_an_unknown_verdict(served, tmp_path):
    emu = Emulator(speed=0, faults=["csbs.list_backups:status=403:code=CSBS.0403"])
    url = served(emu)
    image = emu.ids["image_backup_deleted"]
    done = ecs_wizard(url, "diagnose", image, state=tmp_path)
    assert done.returncode == 5, done.stderr
    assert "Verdict: unknown" in done.stdout and "CSBS (403 CSBS.0403)" in done.stdout
    assert "ecs-wizard doctor" in done.stdout  # what to do
    done = ecs_wizard(url, "scan", state=tmp_path)
    assert done.returncode == 5, done.stderr
    assert "6 full-ECS images, 3 affected, 1 unknown" in done.stdout
    assert "Unknown (erp-legacy-full-2018): CBR and CSBS answer 'not found' for its backup" in done.stdout
    done = ecs_wizard(url, "run", image, "--yes", "--json", state=tmp_path)
    assert done.returncode == 5
    last = json.loads(done.stdout.splitlines()[-1])
    assert last["event"] == "run-finished" and last["status"] == "unknown" and last["verdict"] == "unknown"


def test_scan_of_a_project_with_no_images_asks_about_the_project_and_region(served, tmp_path):
    done = ecs_wizard(served(Emulator(scenario="empty", speed=0)), "scan", state=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        f"No full-ECS images in project {DEMO.project_id}, region eu-de. Are the project id and the region "
        "right? ('ecs-wizard doctor' checks them.)"
    )


def test_the_journal_schema_accepts_an_unknown_verdict_with_its_reason_and_nothing_else_there(tmp_path):
    """No run starts on an unknown verdict, but a journal holding one (a later version, an edited
    file) loads, and a reason that is not text is refused, naming the field."""
    from wizard.cli import main
    from wizard.errors import UsageError
    from wizard.journal import Journal

    emu = Emulator(speed=0)
    args = ["run", emu.ids["image_old_csbs_server_exists"], "--demo", "--speed", "100000", "--state-dir", str(tmp_path)]
    assert main(args) == 3  # journaled as cancelled before any change: a real journal to edit
    journal = Journal(tmp_path)
    (run_id,) = [p.stem for p in journal.runs_dir.glob("*.json")]
    path = journal.path(run_id)
    data = json.loads(path.read_text())
    data["diagnosis"].update(verdict="unknown", reason="CSBS (403 CSBS.0403) did not list this project's backups")
    path.write_text(json.dumps(data))
    loaded = journal.load(run_id).diagnosis
    assert loaded["verdict"] == "unknown" and loaded["reason"].startswith("CSBS (403")
    data["diagnosis"]["reason"] = 7
    path.write_text(json.dumps(data))
    with pytest.raises(UsageError, match="diagnosis.reason"):
        journal.load(run_id)


@pytest.mark.parametrize("image", ["image_cbr", "image_old_csbs_server_exists"])
def test_a_support_lld_that_reads_as_neither_true_nor_false_is_unknown(image, monkeypatch):
    """``extend_info.support_lld`` is a Boolean in the CBR and CSBS documents (reference §0); a value that
    reads as neither decides nothing, for a backup found in either service."""
    emu = Emulator(speed=0)
    clients = clients_for(emu)
    client = clients.cbr if image == "image_cbr" else clients.csbs
    lookup = "get_backup" if image == "image_cbr" else "get_checkpoint_item"
    real = getattr(client, lookup)

    def odd(backup_id: str) -> Backup:
        backup = real(backup_id)
        raw = {**backup.raw, "extend_info": {**backup.extend_info, "support_lld": "n/a"}}
        return Backup.from_cbr(raw) if backup.service == "cbr" else Backup.from_csbs(raw)

    monkeypatch.setattr(client, lookup, odd)
    d = diagnose(clients, emu.ids[image])
    assert d.verdict is Verdict.UNKNOWN
    assert d.reason == "its backup reports support_lld 'n/a', neither true nor false"
    lld = {e.field: e for e in d.evidence}["extend_info.support_lld"]
    assert (lld.value, lld.meaning) == ("n/a", "neither true nor false: no verdict rests on it")
