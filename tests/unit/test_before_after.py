"""The before/after figure: the cloud's record of how long an ECS took to create, read from the journal,
as text bars and a Mermaid chart; a side without a record says "not measured", never a guess."""

from wizard.before_after import BeforeAfter, Side, latest_launch_from, launch_seconds
from wizard.cloud.models import Server
from wizard.plan import Plan
from wizard.report import text_chart
from wizard.steps import Step


def server(id_, image_id, created, launched, name="web"):
    return Server.from_api(
        {"id": id_, "name": name, "image": {"id": image_id}, "created": created, "OS-SRV-USG:launched_at": launched}
    )


def test_the_cloud_records_when_an_ecs_was_created_and_when_it_started():
    # OTC-ECS querying_details_about_an_ecs.rst: "created" with a zone, "launched_at" without one (UTC)
    assert launch_seconds(server("a", "img", "2024-01-02T03:00:00Z", "2024-01-02T03:10:00.500000")) == 600.5
    assert launch_seconds(server("a", "img", "2024-01-02T03:00:00Z", "")) is None  # still building
    assert launch_seconds(server("a", "img", "garbage", "2024-01-02T03:10:00")) is None
    assert launch_seconds(server("a", "img", "2024-01-02T03:10:00Z", "2024-01-02T03:00:00")) is None


def test_the_latest_started_ecs_made_from_the_image():
    servers = [
        server("old", "img", "2023-01-01T00:00:00Z", "2023-01-01T00:20:00", "first"),
        server("new", "img", "2024-01-01T00:00:00Z", "2024-01-01T00:09:00", "second"),
        server("building", "img", "2025-01-01T00:00:00Z", ""),
        server("other", "img-2", "2026-01-01T00:00:00Z", "2026-01-01T00:01:00"),
    ]
    assert latest_launch_from(servers, "img") == {"server_id": "new", "name": "second", "seconds": 540.0}
    assert latest_launch_from(servers, "img-3") is None


def plan(*steps):
    return Plan("r1", "path", "img-old", "web", "web-fast", list(steps))


def step(kind, inputs=None, status="succeeded", **outputs):
    s = Step(kind, kind, kind, inputs or {}, status=status)
    s.outputs.update(outputs)
    return s


def test_source_gone_compares_the_temporary_ecs_with_the_test_launch():
    chart = BeforeAfter.of(
        plan(
            step("create_temp_server", {"name": "tmp-1"}, launch_seconds=600.0),
            step("test_launch", {"name": "test-1"}, launch_seconds=60.0),
        )
    )
    assert (chart.old.seconds, chart.new.seconds, chart.speedup) == (600.0, 60.0, 10.0)
    assert chart.sources() == [
        "Old image: the temporary ECS tmp-1, made from the old image by this run",
        "New image: the test launch's ECS test-1, deleted after it was timed",
    ]
    assert chart.sentence() == "An ECS from the new image is created 10x faster than one from the old image."
    assert text_chart(chart, 20) == ["Old image  " + "█" * 20 + " 10 min 00 s", "New image  " + "█" * 2 + " 1 min 00 s"]
    assert chart.mermaid() == [
        "```mermaid",
        "xychart-beta",
        '    title "Time to create an ECS (cloud time)"',
        '    x-axis ["Old image", "New image"]',
        '    y-axis "minutes" 0 --> 11.0',
        "    bar [10, 1]",
        "```",
    ]


def test_source_exists_reads_a_recorded_launch_or_says_it_is_not_measured():
    recorded = {"server_id": "s-9", "name": "app-02", "seconds": 900.0}
    chart = BeforeAfter.of(plan(step("test_launch", launch_seconds=90.0, old_launch=recorded)))
    assert chart.old == Side(
        "Old image", 900.0, "the cloud's record of ECS app-02 (s-9), the latest one made from the old image"
    )
    assert chart.speedup == 10.0

    missing = BeforeAfter.of(plan(step("test_launch", launch_seconds=90.0, old_launch_missing="no ECS was made")))
    assert missing.old == Side("Old image", None, "not measured: no ECS was made")
    assert missing.speedup is None and missing.sentence() == "" and missing.mermaid() == []
    assert text_chart(missing, 10) == ["Old image  not measured", "New image  " + "█" * 10 + " 1 min 30 s"]

    nothing = BeforeAfter.of(plan())  # no test launch yet: neither side, and why
    assert (nothing.old.seconds, nothing.new.seconds) == (None, None)
    assert nothing.new.source.startswith("not measured: no test launch")
    assert text_chart(nothing) == ["Old image  not measured", "New image  not measured"]


def test_a_damaged_figure_is_not_measured_rather_than_believed():
    for bad in (-5, "600", True, float("inf"), None):
        chart = BeforeAfter.of(plan(step("create_temp_server", launch_seconds=bad), step("test_launch", old_launch={})))
        assert chart.old.seconds is None and chart.speedup is None
