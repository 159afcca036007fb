"""The core is importable without the UI libraries (DESIGN.md "Layers")."""

import subprocess
import sys

import pytest

CORE = [
    "wizard.cli",
    "wizard.config",
    "wizard.flowchart",
    "wizard.diagnose",
    "wizard.questions",
    "wizard.plan",
    "wizard.steps",
    "wizard.runner",
    "wizard.journal",
    "wizard.report",
    "wizard.session",
    "wizard.console",
    "wizard.cloud.client",
]


def test_core_modules_do_not_import_textual_or_questionary():
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in CORE)
        + "ui = {'textual', 'questionary', 'prompt_toolkit', 'screens'}\n"
        + "bad = sorted(m for m in sys.modules if m.split('.')[0] in ui)\n"
        + "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


# What only running a command needs: the engine, the cloud client and its HTTP stack, the emulator,
# the front ends. Neither --help nor an argument error may import them (issue 15: --help <= 2.5x
# `python -c pass`, benchmarks/cli_startup.py).
COMMAND_ONLY = ["wizard.runner", "wizard.cloud", "wizard.sim", "requests", "werkzeug", "textual", "questionary"]


@pytest.mark.parametrize(
    "argv, exit_code",
    [
        (["--help"], 0),
        (["run"], 2),  # IMAGE missing
        (["--speed", "0", "run", "IMAGE"], 2),
        (["flowchart", "--path", "nowhere"], 2),
        (["sim", "serve", "--port", "65536"], 2),
        (["no-such-command"], 2),
    ],
)
def test_help_and_argument_errors_import_no_command_body(argv, exit_code):
    code = (
        "import contextlib, io, sys\n"
        "from wizard.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
        "    try:\n        main(sys.argv[2:])\n    except SystemExit as stop:\n        code = stop.code\n"
        "loaded = [m for m in sys.argv[1].split(',') if any(n == m or n.startswith(m + '.') for n in sys.modules)]\n"
        "print(code, ','.join(loaded))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, ",".join(COMMAND_ONLY), *argv], capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == [str(exit_code)]


def test_first_screen_needs_neither_the_http_stack_nor_the_emulator():
    """The welcome screen paints before the session connects (benchmarks/tui_startup.py): building
    the app for a demo session must not import requests, werkzeug or the emulator's state, nor the
    engine (runner, plan, steps, diagnosis), which load with the first run read or planned. Nor does
    the demo's connection import requests, urllib3 or werkzeug (the emulator's in-process transport
    and its own routing, wizard.sim.wsgi)."""
    code = (
        "import sys\n"
        "import wizard.cli\n"
        "from wizard.config import resolve\n"
        "from wizard.session import open_session\n"
        "from screens.app import WizardApp\n"
        "import screens.welcome\n"
        "session = open_session(resolve(demo=True), state_dir=sys.argv[1])\n"
        "WizardApp(session)\n"
        "late = ('requests', 'urllib3', 'werkzeug', 'wizard.sim.emulator', 'wizard.cloud.http',"
        " 'wizard.runner', 'wizard.plan', 'wizard.steps', 'wizard.diagnose')\n"
        "print(','.join(sorted(m for m in late if m in sys.modules)), session.connected)\n"
        "session.connect()\n"
        "session.check_connection()\n"
        "http = ','.join(sorted(m for m in ('requests', 'urllib3', 'werkzeug') if m in sys.modules))\n"
        "print('wizard.sim.emulator' in sys.modules, http)\n"
    )
    import tempfile

    with tempfile.TemporaryDirectory() as state:
        out = subprocess.run([sys.executable, "-c", code, state], capture_output=True, text=True, check=True)
    # Connected (and one signed call made), the demo's in-process transport still needs no requests.
    assert out.stdout.split("\n")[:2] == [" False", "True "]
