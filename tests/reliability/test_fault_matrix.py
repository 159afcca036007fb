"""The fault matrix (``tests/reliability/matrix.py``): each create and delete of the four paths,
each fault, carried on or crashed then resumed. Every cell must end with exactly one new image,
exactly the resources its path promises carrying the run's mark (no surplus server, vault or
backup), and every resource the run made deleted or named in its report."""

import pytest

from tests.reliability.matrix import cells, promised, run_cell


@pytest.mark.parametrize("cell", cells(), ids=str)
def test_cell(cell):
    outcome = run_cell(cell)
    assert outcome.status == "succeeded", (outcome.attempts, [e for e in outcome.events if e["event"] == "step-failed"])
    assert outcome.new.get("images") == 1
    assert outcome.marked == promised(cell.path), outcome.marked
    assert outcome.new == promised(cell.path), outcome.new
    assert outcome.unnamed == []
    assert outcome.crashed == (cell.mode == "crash then resume")
