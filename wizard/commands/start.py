"""Starting the wizard: ``ecs-wizard`` with no command, and ``ecs-wizard demo``. Full screen on a
terminal, line by line otherwise; without cloud settings it says what to set and, on a terminal,
offers the demo."""

from __future__ import annotations

import os
import sys

from wizard import errors
from wizard.commands.context import Invocation, interactive

NO_SETTINGS = """No cloud settings were found. To work on your cloud, set one of:
  Huawei Cloud:        HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_PROJECT_ID (and --region)
  Open Telekom Cloud:  OS_CLOUD naming a clouds.yaml entry, or OS_AUTH_URL, OS_USERNAME, OS_PASSWORD,
                       OS_USER_DOMAIN_NAME, OS_PROJECT_NAME and OS_REGION_NAME
'ecs-wizard config show' says what was looked at; the README's Configuration section has the details.
The demo needs no account: it runs the same wizard on a built-in emulated cloud."""


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
        print(NO_SETTINGS)
        if not interactive() or not _yes_or_no("Start the demo on the built-in emulator now? [Y/n] "):
            print("To try the wizard without an account: ecs-wizard demo")
            return errors.EXIT_USAGE
        demo = True
    session = invocation.open_session(demo=demo)
    if plain:
        from wizard.plain import run_plain

        return run_plain(session, step_mode=args.step)
    from screens.app import run_app

    return run_app(session, step_mode=args.step)
