"""Benchmark: how long until ``ecs-wizard demo`` is ready, the way a user sees it: started in a
pseudo-terminal of 100x30, from spawning the command to the moment its welcome screen says
"Connection: connected" (after the signed call that proves the credentials) and the terminal
output then stops changing; and its resident memory at that moment. Both against a bare Textual
app (Header, a Static saying the same words, Footer) measured in the same run. Target (issue 15):
<= 1.3x each.

"Stops changing" means no byte for ``--quiet`` seconds; the ready time is the last byte before that
quiet. The kinds alternate, one unmeasured round warms the file cache, and the median of
``--repeat`` rounds is reported, with the machine's load average (the figures move with it).

    python -m benchmarks.tui_ready [--repeat 11] [--quiet 0.5] [--json]
"""

from __future__ import annotations

import argparse
import compileall
import fcntl
import json
import os
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

MARK = b"Connection: connected"
BARE = r"""
from textual.app import App
from textual.widgets import Footer, Header, Static


class Bare(App):
    def compose(self):
        yield Header()
        yield Static("  Connection: connected")
        yield Footer()


Bare().run()
"""


def resident_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return 0.0


def ready_in_pty(argv: list[str], quiet: float, timeout: float = 120.0) -> tuple[float, float]:
    """Seconds from spawning ``argv`` in a 100x30 pty until :data:`MARK` showed and the output then
    stayed still for ``quiet`` seconds (the time of its last byte), and its RSS in MiB then."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor"}
    env.pop("NO_COLOR", None)
    started = time.perf_counter()
    child = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    seen, last, rss, output = False, started, 0.0, b""
    try:
        while True:
            readable, _, _ = select.select([master], [], [], quiet)
            now = time.perf_counter()
            if not readable:
                if seen:
                    return last - started, rss
            else:
                chunk = os.read(master, 1 << 16)
                if not chunk:
                    raise SystemExit(f"{argv[0]} exited before it was ready")
                output += chunk
                last, rss = now, resident_mib(child.pid)
                seen = seen or MARK in output
            if now - started > timeout:
                raise SystemExit(f"{' '.join(argv)}: not ready after {timeout:.0f} s")
    finally:
        child.kill()
        child.wait()
        os.close(master)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=11)
    parser.add_argument("--quiet", type=float, default=0.5, help="seconds without output that mean 'ready'")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    import screens
    import wizard

    for package in (wizard, screens):  # bytecode as an installed package has it
        compileall.compile_dir(package.__path__[0], quiet=1)
    script = Path(sys.executable).with_name("ecs-wizard")
    load_before = os.getloadavg()
    samples: dict[str, list[tuple[float, float]]] = {"bare Textual app": [], "ecs-wizard demo": []}
    with tempfile.TemporaryDirectory() as state:
        kinds = {
            "bare Textual app": [sys.executable, "-c", BARE],
            "ecs-wizard demo": [str(script), "demo", "--state-dir", state],
        }
        for command in kinds.values():
            ready_in_pty(command, args.quiet)  # warm the file cache; not counted
        for _ in range(args.repeat):
            for label, command in kinds.items():
                samples[label].append(ready_in_pty(command, args.quiet))
    bare_s = statistics.median(s[0] for s in samples["bare Textual app"])
    bare_m = statistics.median(s[1] for s in samples["bare Textual app"])
    rows = {}
    for label, rounds in samples.items():
        seconds, mib = statistics.median(s[0] for s in rounds), statistics.median(s[1] for s in rounds)
        rows[label] = {
            "seconds": seconds,
            "ratio": round(seconds / bare_s, 2),
            "rss_mib": mib,
            "rss_ratio": round(mib / bare_m, 2),
        }
    load = {"before": load_before, "after": os.getloadavg()}
    if args.json:
        print(json.dumps({"rows": rows, "load_average": load}, indent=2))
        return 0
    print(f"ready screen in a 100x30 pty, median of {args.repeat}, Python {sys.version.split()[0]}")
    for label, r in rows.items():
        print(
            f"{label:20}{r['seconds'] * 1000:>7.0f} ms{r['ratio']:>7.2f}x"
            f"{r['rss_mib']:>8.1f} MiB{r['rss_ratio']:>7.2f}x"
        )
    print(f"load average {load['before'][0]:.1f} before, {load['after'][0]:.1f} after, on {os.cpu_count()} CPUs")
    print("target: ecs-wizard demo <= 1.3x the bare app, in time and in memory")
    return 0


if __name__ == "__main__":
    sys.exit(main())
