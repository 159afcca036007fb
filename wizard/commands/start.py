"""Starting the wizard: ``ecs-wizard`` with no command, and ``ecs-wizard demo``. Full screen on a
terminal, line by line otherwise; without cloud settings it says what to set and, on a terminal,
offers the demo."""

from __future__ import annotations

import os
import sys

from wizard import errors
from wizard.commands.context import Invocation, interactive

NO_SETTINGS_WAYS = [
    ("Huawei Cloud:", "HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_PROJECT_ID (and --region)"),
    (
        "Open Telekom Cloud:",
        "OS_CLOUD naming a clouds.yaml entry, or OS_AUTH_URL, OS_USERNAME, OS_PASSWORD, OS_USER_DOMAIN_NAME, "
        "OS_PROJECT_NAME and OS_REGION_NAME",
    ),
]


def no_settings_text(width: int | None = None) -> str:
    """What to set, wrapped to the terminal (``width``: its columns), never inside a word."""
    import shutil
    import textwrap

    width = max(40, (width or shutil.get_terminal_size((100, 24)).columns) - 1)
    label_width = max(len(label) for label, _ in NO_SETTINGS_WAYS) + 4

    def fill(text: str, first: str = "", rest: str = "") -> str:
        return textwrap.fill(
            text, width, initial_indent=first, subsequent_indent=rest, break_long_words=False, break_on_hyphens=False
        )

    lines = [fill("No cloud settings were found. To work on your cloud, set one of:")]
    for label, text in NO_SETTINGS_WAYS:
        lines.append(fill(text, f"  {label}".ljust(label_width), " " * label_width))
    lines.append(
        fill("'ecs-wizard config show' says what was looked at; the README's Configuration section has the details.")
    )
    lines.append(fill("The demo needs no account: it runs the same wizard on a built-in emulated cloud."))
    return "\n".join(lines)


def cmd_wizard(invocation: Invocation) -> int:
    return _start_wizard(invocation, demo=invocation.args.demo)


def cmd_demo(invocation: Invocation) -> int:
    return _start_wizard(invocation, demo=True)


def served_in_browser() -> bool:
    """textual-serve started this process for a browser tab: Textual's web driver draws the screen over
    the pipes that are standard input and output (set by textual-serve, see ``ecs-wizard serve``)."""
    return os.environ.get("TEXTUAL_DRIVER", "").endswith(":WebDriver")


def _yes_or_no(question: str) -> bool:
    try:
        answer = input(question).strip().lower()
    except EOFError:
        return False
    return answer in ("", "y", "yes")


def _start_wizard(invocation: Invocation, demo: bool) -> int:
    args = invocation.args
    plain = args.plain
    if not plain and not served_in_browser() and (not interactive() or os.environ.get("TERM") == "dumb"):
        print("ecs-wizard: not a full terminal, using plain mode (line by line).", file=sys.stderr)
        plain = True
    if not demo and invocation.settings().credentials is None:
        print(no_settings_text())
        if not interactive() or not _yes_or_no("Start the demo on the built-in emulator now? [Y/n] "):
            print("To try the wizard without an account: ecs-wizard demo")
            return errors.EXIT_USAGE
        demo = True
    session = invocation.open_session(demo=demo)
    if plain:
        from wizard.plain import run_plain

        return run_plain(session, step_mode=args.step)
    import gc

    # Start-up makes a great many objects and frees few; the cyclic collector's passes over them took about
    # a fifth of the time until the welcome screen was connected (benchmarks.tui_ready). It is off until
    # then: the app turns it back on.
    gc.disable()
    from screens.app import run_app

    return run_app(session, step_mode=args.step, collector_off=True)
