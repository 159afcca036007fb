"""The core is importable without the UI libraries (DESIGN.md "Layers")."""

import subprocess
import sys

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


def test_help_does_not_import_ui_libraries():
    code = (
        "import sys, contextlib, io\n"
        "from wizard.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n        main(['--help'])\n    except SystemExit:\n        pass\n"
        "print(','.join(m for m in sys.modules if m.split('.')[0] in {'textual', 'questionary'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_first_screen_needs_neither_the_http_stack_nor_the_emulator():
    """The welcome screen paints before the session connects (benchmarks/tui_startup.py): building
    the app for a demo session must not import requests, werkzeug or the emulator's state, nor the
    engine (runner, plan, steps, diagnosis), which load with the first run read or planned."""
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
        "print(session.emulator is not None and 'requests' in sys.modules)\n"
    )
    import tempfile

    with tempfile.TemporaryDirectory() as state:
        out = subprocess.run([sys.executable, "-c", code, state], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == [" False", "True"]
