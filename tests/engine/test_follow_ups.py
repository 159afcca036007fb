"""After a repair: a test launch, or deleting the temporary ECS that was kept, added to the finished
run and performed by resuming it (nothing else runs again)."""

import pytest

from tests.engine.helpers import added, inventory, removed, repair, start
from wizard.diagnose import Diagnosis
from wizard.errors import UsageError
from wizard.plan import add_follow_up, follow_ups


def extend(session, run, kind):
    add_follow_up(run.plan, kind, session.clients, Diagnosis.from_dict(run.diagnosis))
    session.journal.save(run)
    asked = []
    result = session.runner(run, confirm=lambda step: asked.append(step.kind) or True).run()
    return result, asked


def test_deleting_a_kept_temporary_server_afterwards(session, emu):
    run = repair(session, emu.ids["image_old_csbs_server_deleted"], service="cbr", source_exists=False, cleanup=False)
    assert follow_ups(run.plan) == ["test_launch", "delete_temp_server"]
    before = inventory(session.clients)
    done_before = {s.name: s.ended_at for s in run.plan.steps}
    result, asked = extend(session, run, "delete_temp_server")
    assert result.status == "succeeded" and asked == ["delete_temp_server"]  # destructive: asked first
    temp = run.plan.step("create_temp_server").outputs["server_id"]
    assert removed(before, inventory(session.clients)) == {"servers": {temp}}
    assert not added(before, inventory(session.clients))
    assert all(run.plan.step(name).ended_at == ended for name, ended in done_before.items())  # nothing re-ran
    assert follow_ups(run.plan) == ["test_launch"]


def test_a_test_launch_afterwards_uses_the_source_servers_flavor_and_leaves_nothing(session, emu):
    run = repair(session, emu.ids["image_old_csbs_server_exists"], service="cbr", source_exists=True)
    assert follow_ups(run.plan) == ["test_launch"]
    before = inventory(session.clients)
    result, asked = extend(session, run, "test_launch")
    assert result.status == "succeeded" and asked == ["test_launch"]  # billable: asked first
    step = run.plan.step("test_launch")
    source = session.clients.ecs.get_server(emu.ids["server_exists"])
    assert step.inputs["flavor_id"] == source.flavor_id
    assert 0 < step.outputs["seconds_to_active"] < 600  # the fast path, not the slow image's 600 s
    assert inventory(session.clients) == before
    assert follow_ups(run.plan) == []


def test_only_offered_follow_ups_can_be_added(session, emu):
    run = repair(session, emu.ids["image_old_csbs_server_exists"], service="cbr", source_exists=True, test_launch=True)
    with pytest.raises(UsageError, match="cannot be added"):
        add_follow_up(run.plan, "delete_temp_server", session.clients, Diagnosis.from_dict(run.diagnosis))
    with pytest.raises(UsageError):
        add_follow_up(run.plan, "test_launch", session.clients, Diagnosis.from_dict(run.diagnosis))


def test_declining_the_final_cleanup_skips_it_and_the_run_succeeds(session, emu):
    from wizard.runner import if_declined

    declined = []

    def confirm(step):
        if step.kind == "delete_temp_server":
            declined.append(if_declined(run.plan, step))
            return False
        return True

    run = start(session, emu.ids["image_old_csbs_server_deleted"], service="cbr", source_exists=False, cleanup=True)
    run = session.runner(run, confirm=confirm).run()
    assert run.status == "succeeded" and run.new_image_id
    assert declined == ["this step is skipped; the run ends with the new image ready (you can still do it later)"]
    step = run.plan.step("delete_temp_server")
    assert step.status == "skipped" and any(e["event"] == "step-skipped" for e in run.events)
    temp = run.plan.step("create_temp_server").outputs["server_id"]
    assert session.clients.ecs.find_server(temp) is not None
    assert "delete_temp_server" in follow_ups(run.plan)
    # asked again later: the same step runs (no second one is added)
    steps_before = len(run.plan.steps)
    result, asked = extend(session, run, "delete_temp_server")
    assert result.status == "succeeded" and asked == ["delete_temp_server"] and len(run.plan.steps) == steps_before
    assert session.clients.ecs.find_server(temp) is None


def test_declining_a_step_before_the_image_is_ready_stops_the_run(session, emu):
    from wizard.runner import if_declined

    seen = []

    def confirm(step):
        seen.append(if_declined(run.plan, step))
        return False

    run = start(session, emu.ids["image_old_csbs_server_exists"], service="cbr", source_exists=True)
    run = session.runner(run, confirm=confirm).run()
    assert run.status == "cancelled" and run.resumable
    assert seen == ["the run stops before this step and stays resumable"]
