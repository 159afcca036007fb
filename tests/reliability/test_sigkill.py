"""Real SIGKILLs, to prove the matrix's in-process crash faithful: ``ecs-wizard run`` in a child
process against ``ecs-wizard sim serve`` (another process, loopback HTTP), killed with SIGKILL at a
fault point (read from ``/_sim/state``: the faulted call has reached the emulator), then
``ecs-wizard resume`` in a new process. The cloud must end as the matrix's "crash then resume" cell
of the same operation ends: exactly the resources the path promises carry the run's mark."""

from __future__ import annotations

import json
import signal
import time

import pytest
import requests

from tests.reliability.matrix import PATHS, Cell, promised, run_cell
from tests.reliability.processes import IDS, wizard


def wait_until_matched(url: str, target: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rules = requests.get(f"{url}/_sim/state", timeout=5).json()["faults"]
        if any(r["target"] == target and r["matched"] for r in rules):
            return
        time.sleep(0.02)
    raise AssertionError(f"the fault on {target} never fired")


TRIALS = [
    # killed while it looks for a vault whose answer was lost (it lands 30 virtual s later)
    ("cbr-source-exists", "ensure_vault", "cbr.create_vault", "late=30", "late"),
    # killed while the image create is in flight (the emulator answers after 1 real second)
    ("cbr-source-exists", "create_image", "ims.create_whole_image", "latency=1", "lost"),
    # killed while the cleanup's delete is in flight
    ("cbr-source-gone", "delete_temp_server", "ecs.delete_servers", "latency=1", "lost"),
]


@pytest.mark.parametrize("path, step, operation, effect, like", TRIALS, ids=lambda v: str(v))
def test_sigkill_at_the_fault_point_then_resume(served, tmp_path, path, step, operation, effect, like):
    env, url = served
    image_key, service, source_exists = PATHS[path]
    requests.post(f"{url}/_sim/faults", json={"rules": [f"{operation}:first=1:{effect}"]}, timeout=5)
    args = ["run", IDS[image_key], "--service", service, "--source-exists", "yes" if source_exists else "no"]
    child = wizard(env, tmp_path, *args, "--cleanup", "--yes")
    run_id = json.loads(child.stdout.readline())["run_id"]
    wait_until_matched(url, operation)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL

    resumed = wizard(env, tmp_path, "resume", run_id, "--yes")
    out, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err
    assert json.loads(out.splitlines()[-1])["status"] == "succeeded"
    time.sleep(0.2)  # 120 virtual seconds: a delete under way finishes
    state = requests.get(f"{url}/_sim/state", timeout=5).json()
    marked = {k: v for k, v in state["tags"].get(f"ecs-wizard-run={run_id}", {}).items() if v}
    in_process = run_cell(Cell(path, step, operation, like, "crash then resume"))
    assert in_process.crashed and in_process.marked == marked == promised(path)
