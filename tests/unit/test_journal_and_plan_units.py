import os
import stat

import pytest

from wizard.errors import UsageError
from wizard.journal import Journal, Run
from wizard.plan import IMAGE_NAME_MAX, Plan, new_image_name
from wizard.runner import PollPolicy
from wizard.steps import Step, ref, vault_size_gb

RUN = "0123456789ab"


def small_run(run_id=RUN):
    plan = Plan(
        run_id,
        "cbr-source-exists",
        "img",
        "name",
        "name-fast",
        [Step("a", "verify_image", "A", {"x": ref("b", "y")}), Step("b", "verify_image", "B", {})],
    )
    diagnosis = {"image_id": "img", "image_name": "name", "verdict": "affected"}
    return Run(run_id, "name", {"cloud": "demo"}, diagnosis, {}, plan)


def test_journal_is_written_atomically_with_mode_0600_and_reads_back(tmp_path):
    journal = Journal(tmp_path)
    run = small_run()
    run.plan.steps[1].outputs["y"] = "value"
    journal.save(run)
    path = journal.path(RUN)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    again = journal.load(RUN)
    assert again.plan.resolve(again.plan.steps[0].inputs["x"]) == "value"
    assert [r.run_id for r in journal.runs()] == [RUN]


def test_damaged_journal_is_a_clear_usage_error(tmp_path):
    journal = Journal(tmp_path)
    journal.save(small_run())
    journal.path(RUN).write_text("{ not json")
    with pytest.raises(UsageError, match="Damaged journal") as info:
        journal.load(RUN)
    assert info.value.exit_code == 2
    assert journal.runs() == [] and [d.path for d in journal.damaged()] == [journal.path(RUN)]


def test_unknown_run_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="No run"):
        Journal(tmp_path).load("0000000000ff")


def test_new_image_name_keeps_within_128_characters_and_avoids_clashes():
    assert new_image_name("web") == "web-fast"
    assert new_image_name("web", {"web-fast"}) == "web-fast-2"
    long = "x" * 200
    name = new_image_name(long)
    assert len(name) == IMAGE_NAME_MAX and name.endswith("-fast")


def test_vault_size_covers_the_disks_with_the_cbr_minimum():
    assert vault_size_gb([{"size": 40}, {"size": 100}], None) == 140
    assert vault_size_gb([{"size": 4}], None) == 10
    assert vault_size_gb([], 60) == 60


def test_poll_policy_backs_off_and_respects_its_bounds():
    p = PollPolicy(min_interval=2, max_interval=20, growth=0.05)
    assert p.next_interval(0, None) == 2
    assert p.next_interval(1000, None) == 20
    assert p.next_interval(100, None) == 5
    # with a percentage: the estimated time left, clamped
    assert p.next_interval(30, 75.0) == 10
    assert p.max_calls(600) < 120  # polling every second would be 600
