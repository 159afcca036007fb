"""The engine against the cloud's documented behaviour where the first client read it wrongly
(reference cloud-api.md §10): each test names the document it follows."""

from tests.engine.helpers import start
from tests.frozen import BOTH_CLOUDS
from wizard.sim import DEMO


def _ims_job_polls(emu, job_id):
    documented = [r for r in emu.request_log if r[1] == f"/v1/{DEMO.project_id}/jobs/{job_id}"]
    progress = [r for r in emu.request_log if r[1] == f"/v1/cloudimages/job/{job_id}"]
    return documented, progress


@BOTH_CLOUDS
def test_the_image_job_is_polled_on_the_documented_path_and_the_percentage_read_where_it_answers(session, emu):
    """``GET /v1/{project_id}/jobs/{job_id}`` is the documented IMS job query (opentelekomcloud-docs/
    image-management-service api-ref/source/ims_apis/image_jobs/querying_the_status_of_an_asynchronous_job.rst),
    the one Terraform polls (huaweicloud/terraform-provider-huaweicloud resource_huaweicloud_ims_cbr_whole_image.go).
    ``GET /v1/cloudimages/job/{job_id}`` (the Huawei Cloud SDK's show_job_progress) only adds the percentage:
    on Huawei Cloud it is read at every poll; on OTC, whose reference lacks it, it answers 404 once and is
    not asked again."""
    events = []
    run = start(session, emu.ids["image_old_csbs_server_exists"], service="cbr", source_exists=True)
    run = session.runner(run, confirm=lambda step: True, on_event=events.append).run()
    assert run.status == "succeeded", run.error
    step = run.plan.step("create_image")
    documented, progress = _ims_job_polls(emu, step.state["job_id"])
    assert len(documented) > 2 and all(status == 200 for *_, status in documented)
    percentages = [e.progress for e in events if e.step == "create_image" and e.event == "progress"]
    if emu.profile.job_progress_path:
        assert len(progress) == len(documented) - 1  # the last poll says SUCCESS: no percentage needed
        assert all(status == 200 for *_, status in progress)
        assert any(p is not None and 0 < p < 100 for p in percentages)
        return
    assert [status for *_, status in progress] == [404]
    assert step.state["progress_path"] == "absent"
    notes = [e.message for e in events if e.step == "create_image" and e.event == "message"]
    assert any("percentage" in n and "APIGW.0101" in n for n in notes)
    assert not any(p is not None and 0 < p < 100 for p in percentages)
