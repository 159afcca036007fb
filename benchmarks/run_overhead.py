"""Benchmark: how close a real-time run comes to the cloud's own pace, and how many API calls it makes.

1. Wall time of a full CBR scenario-2 run (source ECS gone: temporary ECS, vault, backup, image,
   verification, cleanup) on the emulator at a fixed speed, divided by the sum of the emulated
   durations on its critical path (each asynchronous operation's virtual start-to-done time, scaled
   to real seconds). Target <= 1.05.
2. API calls of the same run with the wizard's adaptive polling against polling every second
   (counted on a frozen virtual clock, so the counts are exact and repeatable).

    python -m benchmarks.run_overhead [--speed 120]
"""

from __future__ import annotations

import argparse
import tempfile
import time

from wizard.config import resolve
from wizard.diagnose import diagnose
from wizard.plan import build_plan
from wizard.questions import Answers
from wizard.runner import DEMO_POLL, PollPolicy
from wizard.session import open_session
from wizard.sim import Emulator

ANSWERS = dict(service="cbr", source_exists=False, cleanup=True)


def _run(emu: Emulator, state_dir: str, *, poll: PollPolicy, frozen: bool):
    session = open_session(resolve(demo=True), state_dir=state_dir, emulator=emu)
    session.poll = poll
    if frozen:
        session.clock, session.sleep = emu.clock.now, emu.clock.advance
    image = emu.ids["image_old_csbs_server_deleted"]
    d = diagnose(session.clients, image)
    answers = Answers(**ANSWERS)
    plan = build_plan(session.clients, d, answers)
    run = session.new_run(image, d, answers, plan)
    calls_before = len(emu.request_log)
    started = time.perf_counter()
    virtual_started = emu.clock.now()
    result = session.runner(run, confirm=lambda step: True).run()
    wall = time.perf_counter() - started
    assert result.status == "succeeded", result.error
    return result, wall, len(emu.request_log) - calls_before, emu.clock.now() - virtual_started


def critical_path_seconds(result) -> float:
    """Virtual seconds the cloud spent on the run's asynchronous operations, step by step.

    Each step's span is taken between the step's own start and end in virtual time, less nothing:
    the runner's steps are sequential, so their sum is the critical path the cloud imposes."""
    return sum((s.ended_at or 0) - (s.started_at or 0) for s in result.plan.steps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed", type=float, default=120.0, help="emulator speed for the wall-time run (default 120)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as state:
        # Exact emulated durations: the same run on a frozen clock that only the runner advances,
        # with polling fine enough (0.01 virtual s) that overshoot is negligible.
        fine = PollPolicy(min_interval=0.01, max_interval=0.01, growth=0.0)
        reference, _, _, virtual = _run(Emulator(scenario="demo", speed=0), state, poll=fine, frozen=True)
        emulated = critical_path_seconds(reference)

        _, wall, _, _ = _run(Emulator(scenario="demo", speed=args.speed), state, poll=DEMO_POLL, frozen=False)
        expected_wall = emulated / args.speed
        print(f"CBR scenario 2 at speed {args.speed:g}: wall {wall:.2f} s, emulated critical path {emulated:.0f} virtual s "
              f"= {expected_wall:.2f} real s; ratio {wall / expected_wall:.3f} (target <= 1.05)")

        _, _, adaptive_calls, _ = _run(Emulator(scenario="demo", speed=0), state, poll=PollPolicy(), frozen=True)
        every_second = PollPolicy(min_interval=1.0, max_interval=1.0, growth=0.0)
        _, _, naive_calls, _ = _run(Emulator(scenario="demo", speed=0), state, poll=every_second, frozen=True)
        print(f"API calls per run: adaptive polling {adaptive_calls}, polling every second {naive_calls} "
              f"({naive_calls / adaptive_calls:.1f}x more)")


if __name__ == "__main__":
    main()
