"""Benchmark: the fault matrix as a table. Every create and delete of the four repair paths (test
launch and cleanup included) x {answer lost, answer after the timeout, 5xx, late visibility, job
FAIL} x {carry on, crash then resume}, each cell a whole repair on a fresh emulator with a frozen
virtual clock (``tests/reliability/matrix.py``). A cell is ``ok`` when the run succeeded and left
exactly what its path promises; otherwise it shows its duplicates (resources beyond the promise),
orphans (live resources the run's report does not name) or its failure.

``--baseline`` runs the same matrix the way the wizard worked before it owned its resources: a lost
create is looked up once, at once (a reconcile window of 0 s), and no sweep runs.

    python -m benchmarks.fault_matrix [--baseline] [--path PATH]...
"""

from __future__ import annotations

import argparse
import contextlib
import time
from collections.abc import Iterator

from tests.reliability import matrix
from wizard import ownership, runner
from wizard.ownership import ReconcileWindow
from wizard.status import RunStatus


@contextlib.contextmanager
def before_ownership() -> Iterator[None]:
    """The old behaviour: no reconcile window, no sweep."""
    session_factory = matrix.new_session
    sweep = runner.ownership.sweep

    def no_window(emu, state_dir):
        session = session_factory(emu, state_dir)
        session.window = ReconcileWindow(read_timeout=0, grace=0)
        return session

    matrix.new_session = no_window
    runner.ownership.sweep = lambda clients, run, when: ownership.SweepReport(when)
    try:
        yield
    finally:
        matrix.new_session = session_factory
        runner.ownership.sweep = sweep


def verdict(outcome: matrix.Outcome) -> str:
    if outcome.ok:
        return "ok"
    parts = []
    if outcome.status != RunStatus.SUCCEEDED:
        parts.append(outcome.status)
    if outcome.duplicates:
        parts.append(f"{outcome.duplicates} dup")
    if outcome.orphans:
        parts.append(f"{outcome.orphans} orphan")
    return ", ".join(parts) or "not as promised"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", action="store_true", help="without the reconcile window and the sweep")
    parser.add_argument("--path", action="append", choices=list(matrix.PATHS), help="only this path (repeatable)")
    args = parser.parse_args()
    paths = tuple(args.path or matrix.PATHS)
    cells = matrix.cells(paths)
    started = time.perf_counter()
    with before_ownership() if args.baseline else contextlib.nullcontext():
        outcomes = {cell: matrix.run_cell(cell) for cell in cells}
    seconds = time.perf_counter() - started

    rows = list(dict.fromkeys((c.path, c.step, c.operation, c.fault) for c in cells))
    header = ("path", "step", "operation", "fault", *matrix.MODES)
    table = [header] + [(*row, *(verdict(outcomes[matrix.Cell(*row, mode)]) for mode in matrix.MODES)) for row in rows]
    widths = [max(len(str(r[i])) for r in table) for i in range(len(header))]
    for n, r in enumerate(table):
        print("  ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))

    done = list(outcomes.values())
    print()
    print(f"{'baseline (no window, no sweep)' if args.baseline else 'ecs-wizard'}: {len(done)} cells tried")
    print(f"  ok (succeeded, exactly what the path promises): {sum(o.ok for o in done)}")
    print(f"  runs that did not succeed: {sum(o.status != 'succeeded' for o in done)}")
    print(f"  duplicates (resources beyond the promise): {sum(o.duplicates for o in done)}")
    print(f"  orphans (live, not named in the report): {sum(o.orphans for o in done)}")
    print(f"  surplus deleted by sweeps: {sum(o.swept for o in done)}")
    print(f"  runners started (first runs and resumes): {sum(o.attempts for o in done)}")
    print(f"  wall time: {seconds:.1f} s ({seconds / len(done):.2f} s a cell)")


if __name__ == "__main__":
    main()
