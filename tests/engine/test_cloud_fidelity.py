"""The engine against the cloud's documented behaviour where the first client read it wrongly
(reference cloud-api.md §10): each test names the document it follows."""

from tests.engine.helpers import repair, start
from wizard.sim import DEMO


def _ims_job_polls(emu, job_id):
    documented = [r for r in emu.request_log if r[1] == f"/v1/{DEMO.project_id}/jobs/{job_id}"]
    progress = [r for r in emu.request_log if r[1] == f"/v1/cloudimages/job/{job_id}"]
    return documented, progress


def test_the_image_job_is_polled_on_the_documented_path_and_the_percentage_read_where_it_answers(session, emu):
    """``GET /v1/{project_id}/jobs/{job_id}`` is the documented IMS job query (opentelekomcloud-docs/
    image-management-service api-ref/source/ims_apis/image_jobs/querying_the_status_of_an_asynchronous_job.rst),
    the one Terraform polls (huaweicloud/terraform-provider-huaweicloud resource_huaweicloud_ims_cbr_whole_image.go);
    ``GET /v1/cloudimages/job/{job_id}`` only adds the percentage."""
    events = []
    run = start(session, emu.ids["image_old_csbs_server_exists"], service="cbr", source_exists=True)
    run = session.runner(run, confirm=lambda step: True, on_event=events.append).run()
    assert run.status == "succeeded", run.error
    job_id = run.plan.step("create_image").state["job_id"]
    documented, progress = _ims_job_polls(emu, job_id)
    assert documented and all(status == 200 for *_, status in documented)
    assert progress and len(progress) == len(documented) - 1  # the last poll says SUCCESS: no percentage needed
    percentages = [e.progress for e in events if e.step == "create_image" and e.event == "progress"]
    assert any(p is not None and 0 < p < 100 for p in percentages)


def test_a_region_without_the_progress_path_is_asked_once_and_the_job_followed_without_it(session, emu):
    """Where the progress path answers 404 (it is not in OTC's API reference), the run goes on without a
    percentage and does not ask again at every poll."""
    emu.add_fault("ims.get_job_progress:status=404:code=APIGW.0101:message=The API does not exist")
    run = repair(session, emu.ids["image_old_csbs_server_exists"], service="cbr", source_exists=True)
    assert run.status == "succeeded", run.error
    step = run.plan.step("create_image")
    documented, progress = _ims_job_polls(emu, step.state["job_id"])
    assert len(documented) > 2 and [status for *_, status in progress] == [404]
    assert step.state["progress_path"] == "absent"
    notes = [e["message"] for e in run.events if e.get("step") == "create_image" and e["event"] == "message"]
    assert any("percentage" in n and "APIGW.0101" in n for n in notes)
