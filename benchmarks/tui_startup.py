"""Benchmark: time to the first screen of ``ecs-wizard demo`` and its peak memory, each against a
minimal Textual app (Header, one Static, Footer) measured in the same run. Target: <= 1.3x each.

Two comparisons:

* whole process: spawn to first screen, and peak RSS (what a user waits for; includes the core:
  the CLI, ``requests``, the demo emulator and session);
* TUI only: both children first import Textual and open the demo session (not timed), then the
  clock starts: importing ``screens``, building the app and painting the first screen, against
  building and painting the minimal app; memory is the growth of peak RSS over that part.

Each measurement is a fresh interpreter (so imports count), running the app headless at 100x30
until its first screen is mounted and painted, then exiting. Time is measured by the parent from
spawning the child to the child's "first screen" report; peak memory is the child's max RSS.
The two kinds of child alternate, and the median of ``--repeat`` runs is reported.

    python -m benchmarks.tui_startup [--repeat 7]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time

CHILD = r'''
import json, resource, sys, time
kind, state_dir = sys.argv[1], sys.argv[2]
tui_only = kind.endswith("-tui")
kind = kind.removesuffix("-tui")
if tui_only:
    import textual.app, textual.widgets  # noqa: F401,E401
    import wizard.cli  # noqa: F401
    from wizard.config import resolve
    from wizard.session import open_session
    session = open_session(resolve(demo=True), state_dir=state_dir)
start = time.time()
rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss if tui_only else 0

if kind == "wizard":
    # What `ecs-wizard demo` does: the CLI module, a demo session with its emulator, the app.
    import wizard.cli  # noqa: F401  (the entry point's own imports)
    from wizard.config import resolve
    from wizard.session import open_session
    from screens.app import WizardApp

    app = WizardApp(open_session(resolve(demo=True), state_dir=state_dir))
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

async def pilot(p):
    while type(p.app.screen).__name__ != first:
        await p.pause(0.001)
    await p.pause()  # one refresh: the screen is painted
    print("FIRST-SCREEN", time.time(), start, flush=True)
    p.app.exit()

app.run(headless=True, size=(100, 30), auto_pilot=pilot)
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
print("PEAK", peak_kib, flush=True)
'''


def measure(kind: str) -> tuple[float, float]:
    """(seconds to first screen, peak RSS in MiB) of one fresh child: from spawn (whole process) or
    from the app's import/creation (``*-tui``)."""
    with tempfile.TemporaryDirectory() as state_dir:
        spawned = time.time()
        out = subprocess.run([sys.executable, "-c", CHILD, kind, state_dir], capture_output=True, text=True, check=True).stdout
    first, start = next([float(x) for x in line.split()[1:]] for line in out.splitlines() if line.startswith("FIRST-SCREEN"))
    peak = next(int(line.split()[1]) for line in out.splitlines() if line.startswith("PEAK"))
    return first - (start if kind.endswith("-tui") else spawned), peak / 1024.0


def compare(kinds: tuple[str, str], repeat: int) -> dict:
    samples: dict[str, list[tuple[float, float]]] = {k: [] for k in kinds}
    for kind in kinds:
        measure(kind)  # warm the file cache; not counted
    for _ in range(repeat):
        for kind in kinds:
            samples[kind].append(measure(kind))
    result = {kind: {"first_screen_s": statistics.median(v[0] for v in values),
                     "peak_rss_mib": statistics.median(v[1] for v in values)} for kind, values in samples.items()}
    minimal, wizard = (result[k] for k in kinds)
    result["ratio"] = {"first_screen": round(wizard["first_screen_s"] / minimal["first_screen_s"], 3),
                       "peak_rss": round(wizard["peak_rss_mib"] / minimal["peak_rss_mib"], 3)}
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    results = {"whole process": compare(("minimal", "wizard"), args.repeat),
               "TUI only": compare(("minimal-tui", "wizard-tui"), args.repeat)}
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"TUI startup, median of {args.repeat} fresh interpreters (headless, 100x30), Python {sys.version.split()[0]}")
    for title, result in results.items():
        minimal, wizard = (result[k] for k in result if k != "ratio")
        mem = "peak RSS" if title == "whole process" else "RSS growth"
        print(f"\n{title}:{'':13}{'first screen':>14}{mem:>12}")
        for label, r in (("minimal Textual app", minimal), ("ecs-wizard demo", wizard)):
            print(f"  {label:24}{r['first_screen_s'] * 1000:>9.0f} ms{r['peak_rss_mib']:>8.1f} MiB")
        print(f"  {'ratio (target <= 1.3)':24}{result['ratio']['first_screen']:>10.2f}x{result['ratio']['peak_rss']:>11.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
