"""What keeps costing money after a run (wizard.costs), read from the journals of real demo runs on the
frozen-clock emulator, and checked against what the emulated project still holds."""

import json

from tests.engine.helpers import repair
from wizard import costs
from wizard.report import RunSummary, render


def ids_of(billed: costs.Costs, kind: str) -> list[str]:
    return [c.id for c in billed.items if c.type == kind]


def test_a_repair_that_kept_its_temporary_ecs_leaves_it_the_vault_and_the_backups_billed(session, emu):
    run = repair(session, emu.ids["image_old_csbs_server_deleted"], service="cbr", source_exists=False, cleanup=False)
    assert run.status == "succeeded"
    billed = costs.of(run)
    temp = run.plan.step("create_temp_server").outputs["server_id"]
    vault = run.plan.step("ensure_vault").outputs["vault_id"]
    backup = run.plan.step("cbr_backup").outputs["backup_id"]
    assert [(c.role, c.id) for c in billed.made_by_run] == [
        ("the temporary ECS", temp),
        ("the vault", vault),
        ("the new backup", backup),
    ]
    # each of them exists in the project: the list says nothing that is not so
    assert session.clients.ecs.find_server(temp) is not None
    assert session.clients.cbr.get_vault(vault).size_gb == billed.items[1].size_gb
    size = billed.items[1].size_gb
    assert size and size >= 10 and f", {size} GB: it holds the new backup" in billed.items[1].sentence
    assert billed.items[0].detail == run.plan.step("create_temp_server").inputs["flavor_id"]
    old = [c for c in billed.items if not c.made_by_run]
    assert [(c.type, c.id) for c in old] == [
        ("image", run.plan.image_id),
        ("csbs backup", run.diagnosis["backup_id"]),
    ]
    assert billed.demo and billed.words() == (
        f"Still billed: the vault {billed.items[1].name} ({size} GB), 1 backup and the temporary ECS; "
        "the old image and its backup were kept. (A demo: the emulator bills nothing; a real cloud would.)"
    )
    assert RunSummary.of(run).costs == billed
    assert [c["id"] for c in json.loads(render(run, "json"))["still_billed"]] == [c.id for c in billed.items]
    money = render(run).split("## Still costs money")[1].split("\n## ")[0]
    assert "bills nothing" in money and f"The temporary ECS ecs-wizard-tmp-{run.run_id[:8]} ({temp}): kept" in money
    assert f"The old image's backup {run.diagnosis['backup_id']}: the old image needs it." in money


def test_a_repair_that_cleaned_up_and_deleted_the_old_image_leaves_the_old_backup(session, emu):
    run = repair(
        session,
        emu.ids["image_old_csbs_server_deleted"],
        service="cbr",
        source_exists=False,
        cleanup=True,
        test_launch=True,
        delete_old_image=True,
    )
    assert run.status == "succeeded"
    billed = costs.of(run)
    assert ids_of(billed, "server") == []  # the temporary and the test ECS were deleted by their steps
    assert ids_of(billed, "image") == []
    assert [c.role for c in billed.items] == ["the vault", "the new backup", "the old image's backup"]
    assert billed.items[-1].why == "deleting the old image kept its backup"
    assert "; the old image's backup was kept." in billed.words()


def test_a_failed_run_lists_what_it_made_and_after_abandon_nothing(session, emu):
    emu.add_fault("ims.create_whole_image:first=1:status=400")
    run = repair(session, emu.ids["image_old_csbs_server_deleted"], service="cbr", source_exists=False, cleanup=True)
    assert run.status == "failed"
    billed = costs.of(run)
    assert [(c.role, c.why) for c in billed.made_by_run] == [
        ("the temporary ECS", "the run has not deleted it yet"),
        ("the vault", "it holds the new backup"),
        ("the new backup", "this run made it"),
    ]
    session.abandoner(run).abandon()
    emu.clock.advance(3600)
    billed = costs.of(session.journal.load(run.run_id))
    assert billed.made_by_run == () and [c.role for c in billed.items] == ["the old image", "the old image's backup"]
    assert billed.words().startswith("Nothing this run made is still billed; the old image and its backup")
