"""One browser tab of ``ecs-wizard serve``: textual-serve starts this process for each tab, and Textual
draws the wizard over its standard input and output (the web driver it names in ``TEXTUAL_DRIVER``).

    python -m wizard.commands.serve_session SESSIONS_ROOT|- WIZARD_ARGS...

With a sessions root (the demo), the tab gets a fresh state directory inside it, so its demo world,
journals and reports are its own, and the directory is removed when the tab closes. With ``-`` (a
real cloud) the wizard keeps its usual state directory: a run there must stay resumable from a
terminal afterwards."""

from __future__ import annotations

import shutil
import signal
import sys
import tempfile
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    # Ctrl-C in serve's terminal reaches the whole process group; the server then tells each tab to
    # quit over its pipe and waits for it. A tab that took the signal itself could die mid-import or
    # mid-cleanup with a traceback (seen in CI), so the tab leaves Ctrl-C to the server.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sessions_root, *wizard_args = sys.argv[1:] if argv is None else argv
    if sessions_root == "-":
        return _wizard(wizard_args)
    state_dir = tempfile.mkdtemp(prefix="session-", dir=sessions_root)
    try:
        return _wizard([*wizard_args, "--state-dir", state_dir])
    finally:
        shutil.rmtree(state_dir, ignore_errors=True)


def _wizard(args: list[str]) -> int:
    from wizard.cli import main as wizard_main

    return wizard_main(args)


if __name__ == "__main__":
    sys.exit(main())
