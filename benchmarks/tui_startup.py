"""Benchmark: time to the first screen of ``ecs-wizard demo`` and its memory, each against a minimal
Textual app (Header, one Static, Footer) measured in the same run. Target: <= 1.3x each.

Each measurement is a fresh interpreter (so imports count) running the app headless at 100x30. The
parent measures from spawning the child to the moment the child's first screen is handed to the
terminal driver (``App._display`` with that screen, headless or not); memory is the child's peak RSS
at that moment. The wizard paints its welcome screen while
it connects (the clients, and in demo mode the emulator with its scenario, are built by a worker
started as that screen mounts), so a second figure is reported for the wizard: the time and peak RSS
once that connection is ready, i.e. when the user can go on. The two kinds of child alternate, and
the median of ``--repeat`` runs is reported. The wizard's modules are byte-compiled first, as
an installed package's are.

    python -m benchmarks.tui_startup [--repeat 7] [--json]
"""

from __future__ import annotations

import argparse
import compileall
import json
import statistics
import subprocess
import sys
import tempfile
import time

CHILD = r"""
import resource, sys, time
kind, state_dir = sys.argv[1], sys.argv[2]

def report(label):
    print(label, time.time(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, flush=True)

if kind == "wizard":
    # What `ecs-wizard demo` does: the CLI module, a demo session, the cyclic garbage collector off for
    # start-up (wizard/commands/start.py), the app.
    import gc

    import wizard.cli  # noqa: F401  (the entry point's own imports)
    from wizard.config import resolve
    from wizard.session import open_session

    gc.disable()
    from screens.app import WizardApp

    app = WizardApp(open_session(resolve(demo=True), state_dir=state_dir))
    app.collector_off = True
    first = "WelcomeScreen"
else:
    from textual.app import App, ComposeResult
    from textual.widgets import Footer, Header, Static

    class Minimal(App):
        def compose(self) -> ComposeResult:
            yield Header()
            yield Static("hello")
            yield Footer()

    app = Minimal()
    first = "Screen"

from textual.app import App as _App

_display = _App._display


def display_and_report(self, screen, renderable):
    # The first time the first screen's content goes to the terminal driver: what the user sees.
    if renderable is not None and type(screen).__name__ == first and not getattr(self, "_painted", False):
        self._painted = True
        report("FIRST-SCREEN")
    return _display(self, screen, renderable)


_App._display = display_and_report


async def pilot(p):
    while not getattr(p.app, "_painted", False):
        await p.pause(0.001)
    if kind == "wizard":
        while not p.app.session.connected:
            await p.pause(0.001)
        report("READY")
    p.app.exit()

app.run(headless=True, size=(100, 30), auto_pilot=pilot)
"""


def measure(kind: str) -> dict[str, tuple[float, float]]:
    """{label: (seconds since spawn, peak RSS in MiB)} of one fresh child."""
    with tempfile.TemporaryDirectory() as state_dir:
        spawned = time.time()
        out = subprocess.run(
            [sys.executable, "-c", CHILD, kind, state_dir], capture_output=True, text=True, check=True
        ).stdout
    marks = {}
    for line in out.splitlines():
        label, at, rss_kib = line.split()
        marks[label] = (float(at) - spawned, int(rss_kib) / 1024.0)
    return marks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    kinds = ("minimal", "wizard")
    # Bytecode as an installed package has it (pip compiles on install; Textual's already is), even
    # where PYTHONDONTWRITEBYTECODE is set: otherwise every child would compile our sources again.
    import screens
    import wizard

    for package in (wizard, screens):
        compileall.compile_dir(package.__path__[0], quiet=1)
    for kind in kinds:
        measure(kind)  # warm the file cache; not counted
    samples: dict[str, list[dict]] = {kind: [] for kind in kinds}
    for _ in range(args.repeat):
        for kind in kinds:
            samples[kind].append(measure(kind))

    def median(kind: str, label: str) -> dict[str, float]:
        rows = [s[label] for s in samples[kind]]
        return {"seconds": statistics.median(r[0] for r in rows), "peak_rss_mib": statistics.median(r[1] for r in rows)}

    minimal = median("minimal", "FIRST-SCREEN")
    rows = {
        "minimal Textual app, first screen": minimal,
        "ecs-wizard demo, first screen": median("wizard", "FIRST-SCREEN"),
        "ecs-wizard demo, connected": median("wizard", "READY"),
    }
    for row in rows.values():
        row["time_ratio"] = round(row["seconds"] / minimal["seconds"], 3)
        row["memory_ratio"] = round(row["peak_rss_mib"] / minimal["peak_rss_mib"], 3)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(
        f"TUI startup, median of {args.repeat} fresh interpreters (headless, 100x30), Python {sys.version.split()[0]}"
    )
    print(f"{'':36}{'time':>8}{'ratio':>8}{'peak RSS':>12}{'ratio':>8}")
    for label, r in rows.items():
        print(
            f"{label:36}{r['seconds'] * 1000:>5.0f} ms{r['time_ratio']:>7.2f}x"
            f"{r['peak_rss_mib']:>8.1f} MiB{r['memory_ratio']:>7.2f}x"
        )
    print("target: first screen <= 1.3x the minimal app, in time and in memory")
    return 0


if __name__ == "__main__":
    sys.exit(main())
