"""``sim serve``: the cloud emulator over loopback HTTP, for other shells and tools, until Ctrl-C."""

from __future__ import annotations

import errno
import math
import sys
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from wizard import errors
from wizard.commands import SERVE_SPEED
from wizard.commands.context import Invocation
from wizard.config import is_loopback
from wizard.sim import Emulator, FaultRule, export_lines, serve


def cmd_sim_serve(invocation: Invocation) -> int:
    args = invocation.args
    speed = SERVE_SPEED if args.speed is None else args.speed  # '--speed' may come before the command
    try:
        faults = [FaultRule.parse(rule) for rule in args.fault]
    except ValueError as exc:
        raise errors.UsageError(f"Bad --fault rule: {exc}") from None
    params = {"n": args.size} if args.scenario == "large" else {}
    profile = args.profile or "otc"  # '--profile' may come before the command
    try:
        emulator = Emulator(
            scenario=args.scenario,
            speed=speed,
            faults=faults,
            scenario_params=params,
            wall_clock=_skewed(args.clock_skew),
            profile=profile,
        )
    except (KeyError, ValueError) as exc:
        raise errors.UsageError(f"Cannot start the emulator: {exc}") from None

    def ready(url: str) -> None:
        address = urlsplit(url).hostname or ""
        if not is_loopback(address):
            where = "every network interface" if address in ("0.0.0.0", "::") else f"{address}, which is not loopback"
            print(
                f"ecs-wizard: warning: serving on {where}: anyone who can reach this machine can use the emulator "
                "with the fixed, public demo keys, and its admin API (/_sim/state, /_sim/faults, /_sim/clock: "
                "read the world, inject faults, move time) without authentication",
                file=sys.stderr,
            )
        print(
            f"# emulator serving scenario {args.scenario!r} as {emulator.profile.title} ({profile}) at {url} "
            f"(speed {speed:g}x); Ctrl-C stops it",
            file=sys.stderr,
        )
        # The exports last: a script (or test) that waits for the last one has then been told everything,
        # also when its output is unbuffered (PYTHONUNBUFFERED) and it stops the server at once.
        for line in export_lines(url, emulator.profile):
            print(line)
        sys.stdout.flush()

    try:
        serve(emulator, host=args.host, port=args.port, on_ready=ready)
    except OSError as exc:
        advice = "; pick another --port (0 picks a free one)" if exc.errno == errno.EADDRINUSE else ""
        raise errors.UsageError(f"Cannot listen on {args.host}:{args.port}: {exc.strerror or exc}{advice}.") from None
    except KeyboardInterrupt:
        pass
    print("# emulator stopped", file=sys.stderr)
    return errors.EXIT_OK


def _skewed(seconds: float) -> Callable[[], float]:
    if not math.isfinite(seconds):
        raise errors.UsageError(f"--clock-skew must be a number of seconds (got {seconds}).")
    return lambda: time.time() + seconds
