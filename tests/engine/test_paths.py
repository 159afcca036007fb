"""All four repair paths end to end against the emulator, on both emulated clouds: exactly the
expected resources, and a verified fast image at the end."""

import pytest

from tests.engine.helpers import added, inventory, removed, repair
from tests.frozen import BOTH_CLOUDS
from wizard.before_after import BeforeAfter
from wizard.cloud.ecs import ServerSpec
from wizard.diagnose import diagnose
from wizard.sim import durations as D


def assert_fast_image(session, run):
    assert run.status == "succeeded", run.error
    image = session.clients.ims.get_image(run.new_image_id)
    assert image.status == "active" and image.whole_image
    service = run.answers["service"]
    backup = (
        session.clients.cbr.get_backup(image.backup_id)
        if service == "cbr"
        else session.clients.csbs.get_checkpoint_item(image.backup_id)
    )
    assert backup.support_lld is True
    # and the diagnosis of the new image agrees
    assert diagnose(session.clients, image.id).verdict in {"not-affected-cbr", "not-affected-new-format"}
    assert run.plan.step("verify_image").outputs["checks"] == {
        "active": True,
        "full-ECS image": True,
        "made from the new backup": True,
        "backup supports lazy loading": True,
    }


@BOTH_CLOUDS
def test_cbr_source_exists(session, emu):
    before = inventory(session.clients)
    run = repair(session, emu.ids["image_old_csbs_server_exists"], service="cbr", source_exists=True)
    assert_fast_image(session, run)
    diff = added(before, inventory(session.clients))
    assert set(diff) <= {"images", "vaults", "cbr_backups"}
    assert len(diff["images"]) == 1 and len(diff["cbr_backups"]) == 1 and len(diff.get("vaults", ())) <= 1
    server = emu.ids["server_exists"]
    holding = session.clients.cbr.list_vaults(resource_ids=server)
    assert len(holding) == 1


@BOTH_CLOUDS
def test_cbr_source_gone_with_cleanup(session, emu):
    before = inventory(session.clients)
    run = repair(session, emu.ids["image_old_csbs_server_deleted"], service="cbr", source_exists=False, cleanup=True)
    assert_fast_image(session, run)
    after = inventory(session.clients)
    diff = added(before, after)
    assert set(diff) == {"images", "vaults", "cbr_backups"}
    assert all(len(v) == 1 for v in diff.values())
    temp = run.plan.step("create_temp_server").outputs["server_id"]
    assert temp not in after["servers"]  # cleaned up
    assert not removed(before, after)  # nothing else was touched


@BOTH_CLOUDS
def test_csbs_source_exists(session, emu):
    before = inventory(session.clients)
    run = repair(session, emu.ids["image_old_csbs_server_exists"], service="csbs", source_exists=True)
    assert_fast_image(session, run)
    diff = added(before, inventory(session.clients))
    assert set(diff) == {"images", "csbs_backups"} and all(len(v) == 1 for v in diff.values())


@BOTH_CLOUDS
def test_csbs_source_gone_keeps_the_temporary_server_when_asked(session, emu):
    before = inventory(session.clients)
    run = repair(session, emu.ids["image_old_csbs_server_deleted"], service="csbs", source_exists=False, cleanup=False)
    assert_fast_image(session, run)
    diff = added(before, inventory(session.clients))
    assert set(diff) == {"images", "csbs_backups", "servers"} and all(len(v) == 1 for v in diff.values())
    assert diff["servers"] == {run.plan.step("create_temp_server").outputs["server_id"]}


def test_test_launch_is_fast_and_leaves_nothing_behind(session, emu):
    before = inventory(session.clients)
    run = repair(session, emu.ids["image_old_csbs_server_exists"], service="cbr", source_exists=True, test_launch=True)
    assert_fast_image(session, run)
    outputs = run.plan.step("test_launch").outputs
    assert "servers" not in added(before, inventory(session.clients))
    # the slow image's servers take far longer: the emulator's symptom, as the cloud records it
    slow = repair(
        session,
        emu.ids["image_old_csbs_server_deleted"],
        service="cbr",
        source_exists=False,
        cleanup=True,
        test_launch=True,
    )
    chart = BeforeAfter.of(slow.plan)
    # ECS's "created" is to the second, its "OS-SRV-USG:launched_at" to the microsecond
    assert chart.old.seconds == slow.plan.step("create_temp_server").outputs["launch_seconds"]
    assert chart.old.seconds == pytest.approx(D.SERVER_BUILD_SLOW, abs=1)
    assert outputs["launch_seconds"] == pytest.approx(D.SERVER_BUILD_FAST, abs=1)
    assert chart.speedup == pytest.approx(10, abs=0.3) and "temporary ECS ecs-wizard-tmp-" in chart.old.source


def test_without_a_temporary_ecs_the_test_launch_reads_the_latest_ecs_made_from_the_old_image(session, emu):
    old_image = emu.ids["image_old_csbs_server_exists"]
    run = repair(session, old_image, service="csbs", source_exists=True, test_launch=True)
    chart = BeforeAfter.of(run.plan)
    assert chart.old.seconds is None and "no ECS in this project was made from the old image" in chart.old.source
    assert chart.new.seconds == pytest.approx(D.SERVER_BUILD_FAST, abs=1)

    # someone made an ECS from the old image: the next test launch reads how long the cloud took for it
    source = session.clients.ecs.get_server(emu.ids["server_exists"])
    spec = ServerSpec("erp-app-02", old_image, source.flavor_id or "", source.vpc_id or "", emu.ids["subnet_id"], "SAS")
    _, (made,) = session.clients.ecs.create_server(spec)
    emu.clock.advance(D.SERVER_BUILD_SLOW)  # built: the cloud records when it started
    again = repair(session, old_image, service="csbs", source_exists=True, test_launch=True)
    chart = BeforeAfter.of(again.plan)
    recorded = again.plan.step("test_launch").outputs["old_launch"]
    assert (recorded["server_id"], recorded["name"]) == (made, "erp-app-02")
    assert chart.old.seconds == recorded["seconds"] == pytest.approx(D.SERVER_BUILD_SLOW, abs=1)
    assert chart.speedup == pytest.approx(10, abs=0.3)
    assert f"ECS erp-app-02 ({made}), the latest one made from the old image" in chart.old.source


def test_declining_a_billable_step_creates_nothing(session, emu):
    before = inventory(session.clients)
    run = repair(
        session,
        emu.ids["image_old_csbs_server_deleted"],
        confirm=lambda step: False,
        service="cbr",
        source_exists=False,
    )
    assert run.status == "cancelled" and run.resumable
    assert inventory(session.clients) == before


def test_the_run_journal_records_every_resource_and_request_id(session, emu):
    run = repair(session, emu.ids["image_old_csbs_server_exists"], service="cbr", source_exists=True)
    loaded = session.journal.load(run.run_id)
    types = [r["type"] for r in loaded.resources()]
    assert "image" in types and "backup" in types
    assert loaded.calls and all(c["request_id"] for c in loaded.calls)
    assert loaded.events[-1]["event"] == "run-finished" and loaded.events[-1]["status"] == "succeeded"


def test_a_new_image_that_names_no_backup_fails_verification_instead_of_asking_the_cloud(session, emu):
    from wizard.steps import KINDS, StepContext, StepFailed

    run = repair(session, emu.ids["image_old_csbs_server_exists"], service="csbs", source_exists=True)
    assert_fast_image(session, run)
    emu.state.images[run.new_image_id].backup_id = ""  # as IMS shows an image whose backup link is gone
    step = run.plan.step("verify_image")
    ctx = StepContext(session.clients, run.run_id, run.plan.resolve, save=lambda: None)
    with pytest.raises(StepFailed) as failure:
        KINDS["verify_image"].advance(ctx, step)
    assert "made from the new backup, backup supports lazy loading" in failure.value.error.message


def test_deleting_the_old_image_waits_until_ims_has_deleted_it(session, emu):
    """IMS answers the delete with 204 and deletes later (huaweicloud/terraform-provider-huaweicloud
    resourceWholeImageDelete polls until the image is gone): the step ends only once it is gone."""
    old = emu.ids["image_old_csbs_server_exists"]
    run = repair(session, old, service="cbr", source_exists=True, delete_old_image=True)
    assert_fast_image(session, run)
    step = run.plan.step("delete_old_image")
    assert step.status == "succeeded" and step.state["delete_sent"] is True
    assert not session.clients.ims.image_exists(old)
    deletes = [r for r in emu.request_log if r[0] == "DELETE" and r[1] == f"/v2/images/{old}"]
    assert deletes == [("DELETE", f"/v2/images/{old}", 204)]
