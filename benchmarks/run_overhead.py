"""Benchmark: how close a real-time run comes to the cloud's own pace, and how many API calls it makes.

1. Wall time of a full CBR scenario-2 run (source ECS gone: temporary ECS, vault, backup, image,
   verification, cleanup) on the emulator at a fixed speed, divided by the emulated critical path:
   the virtual time during which at least one of the run's asynchronous operations (server build,
   backup, image job, server deletion) was in progress, as the emulator itself recorded it, scaled to
   real seconds. Target <= 1.05.
2. API calls of the same run with the wizard's adaptive polling against polling every second
   (counted on a frozen virtual clock that only the runner's sleeps advance, so the counts are exact
   and repeatable).

    python -m benchmarks.run_overhead [--speed 60] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from wizard.config import resolve
from wizard.diagnose import diagnose
from wizard.plan import build_plan
from wizard.questions import Answers
from wizard.runner import DEMO_POLL, PollPolicy
from wizard.session import open_session
from wizard.sim import Emulator
from wizard.status import RunStatus


def _run(emu: Emulator, state_dir: str, *, poll: PollPolicy, frozen: bool):
    session = open_session(resolve(demo=True), state_dir=state_dir, emulator=emu)
    session.poll = poll
    if frozen:
        session.clock, session.sleep = emu.clock.now, emu.clock.advance
    image = emu.ids["image_old_csbs_server_deleted"]
    d = diagnose(session.clients, image)
    answers = Answers(service="cbr", source_exists=False, cleanup=True)
    plan = build_plan(session.clients, d, answers)
    run = session.new_run(image, d, answers, plan)
    calls_before = len(emu.request_log)
    virtual_started = emu.clock.now()
    started = time.perf_counter()
    result = session.runner(run, confirm=lambda step: True).run()
    wall = time.perf_counter() - started
    assert result.status == RunStatus.SUCCEEDED, result.error
    return wall, len(emu.request_log) - calls_before, virtual_started


def emulated_critical_path(emu: Emulator, since: float) -> float:
    """Virtual seconds during which at least one operation started at or after ``since`` was running.

    The intervals come from the emulator's records (each object's start and duration), merged so that
    overlapping operations (a server's build and the job that reports it) count once."""
    s = emu.state
    progressions = [srv.build for srv in s.servers.values()]
    progressions += [srv.delete for srv in s.servers.values() if srv.delete is not None]
    progressions += [job.progression for job in s.jobs.values()]
    progressions += [b.progression for b in (*s.cbr_backups.values(), *s.csbs_backups.values())]
    intervals = sorted((p.start, p.end) for p in progressions if p.start >= since)
    total, covered_until = 0.0, since
    for start, end in intervals:  # by start: only the part after what is already counted is new
        total += max(0.0, end - max(start, covered_until))
        covered_until = max(covered_until, end)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--speed", type=float, default=60.0, help="emulator speed for the wall-time run (default 60, the demo pace)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="wall-time runs; the median is reported (default 3)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as state:
        ratios = []
        for _ in range(args.repeat):
            emu = Emulator(scenario="demo", speed=args.speed)
            wall, _, virtual_started = _run(emu, state, poll=DEMO_POLL, frozen=False)
            emulated = emulated_critical_path(emu, virtual_started)
            ratios.append(wall / (emulated / args.speed))
            print(
                f"  wall {wall:.2f} s, emulated critical path {emulated:.0f} virtual s "
                f"= {emulated / args.speed:.2f} real s, "
                f"ratio {ratios[-1]:.3f}"
            )
        print(f"CBR scenario 2 at speed {args.speed:g}: median ratio {statistics.median(ratios):.3f} (target <= 1.05)")

        adaptive = _run(Emulator(scenario="demo", speed=0), state, poll=PollPolicy(), frozen=True)[1]
        every_second = PollPolicy(min_interval=1.0, max_interval=1.0, growth=0.0)
        naive = _run(Emulator(scenario="demo", speed=0), state, poll=every_second, frozen=True)[1]
        print(
            f"API calls per run: adaptive polling {adaptive}, polling every second {naive} "
            f"({naive / adaptive:.1f}x more)"
        )


if __name__ == "__main__":
    main()
