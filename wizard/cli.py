"""Command-line parsing and dispatch only. The command bodies live in :mod:`wizard.commands`, one
module per group, and a command's module is imported only when that command runs (the table
:data:`COMMANDS`), so ``--help`` and argument errors load neither the engine, the cloud client, the
emulator nor a front end."""

from __future__ import annotations

import argparse
import importlib
import math
import os
import sys
from collections.abc import Callable, Iterator, Sequence

from wizard.commands import SERVE_SPEED

TYPE_CHECKING = False  # what type checkers look for, without importing typing (~5 ms) on every start
if TYPE_CHECKING:
    from typing import Any

    from wizard.commands.context import Invocation

# command name -> "module:function" taking an Invocation and returning the exit code
COMMANDS = {
    "wizard": "wizard.commands.start:cmd_wizard",  # no command given: start the wizard
    "demo": "wizard.commands.start:cmd_demo",
    "diagnose": "wizard.commands.inspect:cmd_diagnose",
    "scan": "wizard.commands.inspect:cmd_scan",
    "doctor": "wizard.commands.inspect:cmd_doctor",
    "run": "wizard.commands.repair:cmd_run",
    "resume": "wizard.commands.repair:cmd_resume",
    "abandon": "wizard.commands.repair:cmd_abandon",
    "runs": "wizard.commands.runs:cmd_runs",
    "runs export": "wizard.commands.runs:cmd_runs_export",
    "runs import": "wizard.commands.runs:cmd_runs_import",
    "report": "wizard.commands.runs:cmd_report",
    "flowchart": "wizard.commands.info:cmd_flowchart",
    "config show": "wizard.commands.info:cmd_config_show",
    "sim serve": "wizard.commands.sim:cmd_sim_serve",
    "serve": "wizard.commands.serve:cmd_serve",
}

COMMANDS_HELP = """commands:
  demo          start the wizard on the built-in cloud emulator (no account needed)
  diagnose      tell whether one image is affected, with the evidence
  scan          diagnose every full-ECS image in the project
  doctor        check the settings, credentials, permissions and quotas before a repair (read-only)
  run           repair one image without a UI (scripts, CI)
  resume        continue an interrupted or failed run
  abandon       delete what a failed or interrupted run made, and give the run up
  runs          list the runs this machine knows (runs export|import: hand one to a colleague)
  report        a run's report for a ticket (Markdown or JSON; the latest run without RUN_ID)
  flowchart     print the troubleshooting flowchart (text or Mermaid)
  config show   print the cloud settings that were resolved, and where each came from
  serve         the full-screen wizard in a web browser (the demo; each tab its own world)
  sim serve     serve the emulator over loopback HTTP for other shells and tools

Without a command, the wizard starts (full screen on a terminal, line by line otherwise).
"""


def positive_speed(text: str) -> float:
    """``--speed``: a positive, finite number of virtual seconds per real second."""
    try:
        speed = float(text)
    except ValueError:
        speed = math.nan
    if not (math.isfinite(speed) and speed > 0):
        raise argparse.ArgumentTypeError(
            f"must be a positive number of virtual seconds per real second, e.g. 60 (got {text!r})"
        )
    return speed


def whole_number(low: int, high: int, what: str, note: str = "") -> Callable[[str], int]:
    """An option's whole number in [low, high] (``nan``, ``inf`` and ``1e9`` are not whole numbers)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be {what} from {low} to {high}{note} (got {text!r})")
        return value

    return parse


port_number = whole_number(0, 65535, "a port number", ", 0 picking a free one")
MAX_CONCURRENCY = 64  # images diagnosed at once: each is a thread and a few API calls in flight
MAX_IMAGES = 100_000  # the large scenario's size (wizard.sim.scenarios.MAX_COUNT)


class FaultRulesBelowParser(argparse.ArgumentParser):
    """``sim serve``'s parser: its help ends with the fault-rule syntax, read from the emulator's
    faults module only when the help is shown (the other commands' parsing never loads wizard.sim)."""

    @property
    def epilog(self) -> str:
        from wizard.sim.faults import rule_help

        return rule_help()

    @epilog.setter
    def epilog(self, value: str | None) -> None:
        """argparse sets it to None when it builds the parser; the property above answers instead."""


class PrintVersion(argparse.Action):
    """``--version``: the installed package's version, read only when asked (importing
    :mod:`importlib.metadata` costs more than the rest of ``--help``)."""

    def __init__(self, option_strings: Sequence[str], dest: str) -> None:
        super().__init__(
            option_strings,
            dest=argparse.SUPPRESS,
            default=argparse.SUPPRESS,
            nargs=0,
            help="show program's version number and exit",
        )

    def __call__(
        self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object, option: str | None = None
    ) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("ecs-wizard")
        except PackageNotFoundError:  # a source tree that was never installed
            number = "unknown"
        print(f"ecs-wizard {number}")
        parser.exit()


class PathIds:
    """``flowchart --path`` choices: the repair paths' ids, read from :mod:`wizard.flowchart` only when
    ``flowchart``'s own options are parsed or shown, not for every other command's help."""

    def __iter__(self) -> Iterator[str]:
        from wizard.flowchart import PATHS

        return iter([p.id for p in PATHS.values()])

    def __contains__(self, value: object) -> bool:
        return value in list(self)


def _common(parser: argparse.ArgumentParser, top: bool = False) -> None:
    """Cloud options, accepted before or after the command. Below the top level they default to
    SUPPRESS so that a value given before the command is not reset by the subcommand's default."""
    g = parser.add_argument_group("cloud settings")
    if not top:
        g.argument_default = argparse.SUPPRESS
    flag_default = False if top else argparse.SUPPRESS  # a store_true option's value when not given
    g.add_argument(
        "--demo", action="store_true", default=flag_default, help="use the built-in emulator with the demo scenario"
    )
    g.add_argument(
        "--cloud", choices=["hwc", "otc"], help="which cloud's settings to use (default: whichever is configured)"
    )
    g.add_argument("--region", help="region, e.g. eu-de (Open Telekom Cloud) or eu-west-101 (Huawei Cloud)")
    g.add_argument("--endpoint", metavar="URL", help="send every service to this base URL (also ECS_WIZARD_ENDPOINT)")
    g.add_argument(
        "--insecure", action="store_true", default=flag_default, help="do not verify TLS certificates (not recommended)"
    )
    g.add_argument(
        "--state-dir",
        metavar="DIR",
        help="where run journals live (default: the user state directory; also ECS_WIZARD_STATE_DIR)",
    )
    # No explicit default: below the top level the group's SUPPRESS applies, so '--speed' before the command counts.
    g.add_argument(
        "--speed", type=positive_speed, help="demo only: emulator speed, virtual seconds per real second (default 60)"
    )
    g.add_argument(
        "--profile",
        choices=["otc", "hwc"],
        help="demo only: the cloud the emulator is, Open Telekom Cloud or Huawei Cloud (default otc)",
    )


def _confirm_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--yes", "-y", action="store_true", help="answer yes to every confirmation (billable or destructive steps)"
    )
    parser.add_argument("--json", action="store_true", help="one JSON event per line instead of readable lines")


Configure = Callable[[argparse.ArgumentParser], None]
COMMAND_PARSERS: dict[str, tuple[Configure, dict[str, Any]]] = {}
"""Each command's ``add_parser`` arguments (its help line first) and the function that fills its parser."""


class _LazyParsers(dict[str, argparse.ArgumentParser]):
    """A command's parser, built the first time it is looked up: ``--help`` needs only the commands'
    names and help lines, an argument error only its own command's parser, so neither pays for the
    other fifteen (each parser's messages are looked up with gettext, which searches the disk)."""

    def __init__(self, subcommands: argparse._SubParsersAction) -> None:
        super().__init__()
        self.subcommands = subcommands
        self.builders: dict[str, tuple[Configure, dict[str, Any]]] = {}

    def __missing__(self, name: str) -> argparse.ArgumentParser:
        configure, kwargs = self.builders[name]
        action = self.subcommands
        parser = action._parser_class(prog=f"{action._prog_prefix} {name}", **kwargs)  # as add_parser does
        configure(parser)
        self[name] = parser
        return parser

    def __contains__(self, name: object) -> bool:
        return name in self.builders

    def __iter__(self) -> Iterator[str]:
        return iter(self.builders)

    def __len__(self) -> int:
        return len(self.builders)


def command(name: str, **kwargs: Any) -> Callable[[Configure], Configure]:
    """Register the decorated function as what fills ``name``'s parser, built when first needed."""

    def register(configure: Configure) -> Configure:
        COMMAND_PARSERS[name] = (configure, kwargs)
        return configure

    return register


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ecs-wizard",
        description="Find and repair full-ECS images that create servers slowly (old-format CSBS backups) "
        "on Open Telekom Cloud and Huawei Cloud.",
        epilog=COMMANDS_HELP + "\nexit codes: 0 repaired/ok, 1 failed, 2 bad usage or input, "
        "3 needs confirmation, 4 not affected, 5 unknown verdict, 6 backup missing, 7 image not active, "
        "8 not a full-ECS image, 130 interrupted (diagnose: 0 affected)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=PrintVersion)
    parser.add_argument("--plain", action="store_true", help="line-by-line mode instead of full screen")
    parser.add_argument("--step", action="store_true", help="guided session: pause before each step until you continue")
    _common(parser, top=True)
    parser.set_defaults(command_name="wizard")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    subcommands = _LazyParsers(sub)
    sub.choices = sub._name_parser_map = subcommands
    for name, (configure, kwargs) in COMMAND_PARSERS.items():
        help_line = kwargs.get("help")
        sub._choices_actions.append(sub._ChoicesPseudoAction(name, (), help_line))
        subcommands.builders[name] = (configure, {k: v for k, v in kwargs.items() if k != "help"})
    return parser


@command("demo", help="start the wizard on the built-in emulator")
def _demo_parser(p: argparse.ArgumentParser) -> None:
    _common(p)
    p.add_argument(
        "--plain", action="store_true", default=argparse.SUPPRESS, help="line-by-line mode instead of full screen"
    )
    p.add_argument(
        "--step",
        action="store_true",
        default=argparse.SUPPRESS,
        help="guided session: pause before each step until you continue",
    )
    p.set_defaults(command_name="demo")


@command("diagnose", help="diagnose one image")
def _diagnose_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("image", metavar="IMAGE", help="image id or exact name")
    p.add_argument("--json", action="store_true", help="print the diagnosis as JSON")
    _common(p)
    p.set_defaults(command_name="diagnose")


@command("scan", help="diagnose every full-ECS image in the project")
def _scan_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--json", action="store_true", help="print the images, how many answers were throttled and the concurrency"
    )
    p.add_argument(
        "--concurrency",
        type=whole_number(1, MAX_CONCURRENCY, "a number of images"),
        default=32,  # wizard.pacing.DEFAULT_CEILING, not imported: --help stays fast
        help=(
            f"most images diagnosed at once, 1 to {MAX_CONCURRENCY} (default 32): the scan starts at 8 and grows "
            "while the cloud answers as fast, and slows down when it throttles"
        ),
    )
    _common(p)
    p.set_defaults(command_name="scan")


@command(
    "doctor",
    help="check the configuration before a repair (read-only: creates nothing)",
    description=(
        "Read-only checks of the configuration: endpoints (TLS verified), credentials (one signed call per "
        "service), the project, the clock, permissions (list calls and an ECS create dry run), quotas and the "
        "API variants the region answers. Exit 0 when nothing failed, 1 when a check failed."
    ),
)
def _doctor_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print the checks as JSON")
    _common(p)
    p.set_defaults(command_name="doctor")


@command("run", help="repair one image without a UI")
def _run_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("image", metavar="IMAGE", help="image id or exact name")
    p.add_argument(
        "--service",
        choices=["cbr", "csbs"],
        default="cbr",
        help="backup service for the new backup (default cbr, recommended)",
    )
    p.add_argument(
        "--source-exists",
        choices=["auto", "yes", "no"],
        default="auto",
        help="does the source ECS still exist? (default: detect)",
    )
    p.add_argument(
        "--cleanup",
        action="store_true",
        help="delete the temporary ECS at the end (made when the source ECS is gone)",
    )
    p.add_argument(
        "--test-launch", action="store_true", help="launch a test ECS from the new image, time it, delete it"
    )
    p.add_argument(
        "--delete-old-image",
        action="store_true",
        help="delete the old, slow image at the end, once the new one is verified (destructive: asks first)",
    )
    p.add_argument("--flavor", help="temporary ECS flavor id (default: matched from the old backup)")
    p.add_argument("--vpc", help="temporary ECS VPC id (default: the subnet's)")
    p.add_argument("--subnet", help="temporary ECS subnet id (default: the only subnet)")
    p.add_argument("--az", help="temporary ECS availability zone (default: the old backup's)")
    p.add_argument("--volume-type", default=None, help="temporary ECS system disk type (default SAS)")
    p.add_argument("--dry-run", action="store_true", help="print the plan with every API call and body; change nothing")
    p.add_argument(
        "--new",
        action="store_true",
        help="start a second repair of an image that has an open run or a fast copy already (with a warning)",
    )
    _confirm_options(p)
    _common(p)
    p.set_defaults(command_name="run")


@command("resume", help="continue an interrupted or failed run, or add a follow-up to a finished one")
def _resume_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("run_id", nargs="?", metavar="RUN_ID", help="default: the most recent resumable run")
    p.add_argument(
        "--cleanup",
        action="store_true",
        help="delete the temporary ECS now: on a finished run that kept it, or on a failed or interrupted run",
    )
    p.add_argument(
        "--test-launch",
        action="store_true",
        help="on a finished run: launch a test ECS from the new image, time it, delete it",
    )
    changes = p.add_argument_group(
        "changing answers", "on a failed or interrupted run; refused when a step that has started would change"
    )
    changes.add_argument("--flavor", help="another flavor id for the ECS the run makes")
    changes.add_argument("--vpc", help="another VPC id (default with --subnet: the subnet's)")
    changes.add_argument("--subnet", help="another subnet id")
    changes.add_argument("--az", help="another availability zone")
    changes.add_argument("--volume-type", help="another system disk type")
    changes.add_argument("--service", choices=["cbr", "csbs"], help="another backup service")
    _confirm_options(p)
    _common(p)
    p.set_defaults(command_name="resume")


@command("abandon", help="delete what a failed or interrupted run made, and give the run up")
def _abandon_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("run_id", metavar="RUN_ID")
    p.add_argument(
        "--keep-image",
        action="store_true",
        help="keep the run's new image, the backup it is made from and the vault holding that backup",
    )
    _confirm_options(p)
    _common(p)
    p.set_defaults(command_name="abandon")


@command("runs", help="list runs and their state; export or import one for a colleague")
def _runs_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true")
    _common(p)
    p.set_defaults(command_name="runs")
    runs_sub = p.add_subparsers(dest="runs_command", metavar="ACTION")
    export = runs_sub.add_parser(
        "export", help="write one file with a run's journal, transcript and report (no credentials), to hand over"
    )
    export.add_argument("run_id", metavar="RUN_ID")
    export.add_argument(
        "--output", "-o", metavar="FILE", help="where to write it (default: ecs-wizard-run-RUN_ID.json here)"
    )
    _common(export)
    export.set_defaults(command_name="runs export")
    imported = runs_sub.add_parser(
        "import", help="add an exported run to this machine's runs (for the project your settings reach)"
    )
    imported.add_argument("file", metavar="FILE")
    _common(imported)
    imported.set_defaults(command_name="runs import")


@command("report", help="a run's report (the latest run's without RUN_ID)")
def _report_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("run_id", metavar="RUN_ID", nargs="?", help="the run (default: the latest; stderr says which)")
    p.add_argument("--format", choices=["md", "json"], default="md")
    p.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of standard output")
    _common(p)
    p.set_defaults(command_name="report")


@command("flowchart", help="print the troubleshooting flowchart")
def _flowchart_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=["text", "mermaid"], default="text")
    # Choices set after add_argument, which would read them at once (to check the metavar).
    p.add_argument("--path", help="highlight one repair path").choices = PathIds()
    p.set_defaults(command_name="flowchart")


@command("config", help="show the resolved cloud settings")
def _config_parser(p: argparse.ArgumentParser) -> None:
    config_sub = p.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    show = config_sub.add_parser("show", help="print what was resolved and from where (secrets masked)")
    _common(show)
    show.set_defaults(command_name="config show")


@command(
    "serve",
    help="the full-screen wizard in a web browser",
    description="Serve the full-screen wizard to web browsers (textual-serve). Each browser tab gets its own "
    "process and its own demo world. textual-serve has no login: a real cloud is served only with --cloud and "
    "a loopback --host.",
)
def _serve_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, loopback only)")
    p.add_argument("--port", type=port_number, default=8000, help="port, 0 to 65535 (default 8000; 0 picks a free one)")
    _common(p)
    p.set_defaults(command_name="serve")


@command("sim", help="the cloud emulator")
def _sim_parser(p: argparse.ArgumentParser) -> None:
    sim_sub = p.add_subparsers(dest="sim_command", metavar="ACTION", required=True, parser_class=FaultRulesBelowParser)
    serve = sim_sub.add_parser(
        "serve",
        help="serve the emulator on loopback HTTP until interrupted",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, loopback only)")
    serve.add_argument("--port", type=port_number, default=0, help="port, 0 to 65535 (default 0: pick a free one)")
    serve.add_argument("--scenario", default="demo", help="demo | empty | large (default demo)")
    serve.add_argument(
        "--size",
        type=whole_number(0, MAX_IMAGES, "a number of images"),
        default=1000,
        help=f"number of images for --scenario large, 0 to {MAX_IMAGES} (default 1000)",
    )
    serve.add_argument(
        "--speed",
        type=positive_speed,
        default=argparse.SUPPRESS,
        help=f"virtual seconds per real second (default {SERVE_SPEED:g})",
    )
    serve.add_argument(
        "--profile",
        choices=["otc", "hwc"],
        default=argparse.SUPPRESS,
        help="the cloud it is: otc (Open Telekom Cloud, default) or hwc (Huawei Cloud), each with its documented "
        "differences; the export lines use that cloud's variables and name its endpoints",
    )
    serve.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="RULE",
        help="fault rule, e.g. ims.create_whole_image:first=1:status=500 (repeatable; the syntax is below)",
    )
    serve.add_argument(
        "--clock-skew",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="run the emulator's wall clock SECONDS ahead of this machine's (negative: behind), as a client "
        "with a wrong clock sees a cloud: its Date header moves, and beyond 900 s signatures are refused",
    )
    serve.set_defaults(command_name="sim serve")


def load(command_name: str) -> Callable[[Invocation], int]:
    """The function behind a command, its module imported now (see :data:`COMMANDS`)."""
    module_name, _, function = COMMANDS[command_name].partition(":")
    return getattr(importlib.import_module(module_name), function)


def _in_words(error: Exception, invocation: Invocation) -> str:
    """A cloud failure as the user reads it: no answer at all says where and why (never a
    ``HTTPConnectionPool(...)``); the cloud's own errors keep its code and message."""
    from wizard.cloud.errors import AnswerLost, CloudUnreachable

    if isinstance(error, CloudUnreachable) and not isinstance(error, AnswerLost):
        from wizard.doctor import unreachable_problem

        problem = unreachable_problem(error, invocation.session.settings if invocation.session else None)
        return f"{problem.text}.\n  → {problem.fix}"
    return str(error)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)  # --help and argument errors end here, before the imports below
    command = load(args.command_name)
    from wizard import errors
    from wizard.commands.context import CLOUD_FAILURES, Invocation
    from wizard.text import visible

    with Invocation(args) as invocation:  # closes the session it opened on every way out
        try:
            return command(invocation)
        except errors.WizardError as exc:
            print(f"ecs-wizard: {visible(exc.said_by(invocation.commands), lines=True)}", file=sys.stderr)
            return exc.exit_code
        except KeyboardInterrupt:
            print("\necs-wizard: interrupted", file=sys.stderr)
            return errors.EXIT_INTERRUPTED
        except CLOUD_FAILURES as exc:
            print(f"ecs-wizard: {visible(_in_words(exc, invocation), lines=True)}", file=sys.stderr)
            return errors.EXIT_FAILED
        except BrokenPipeError:  # the reader went away (`| head`): stop quietly, keep Python from complaining at exit
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            if invocation.active_run_id is not None:  # a read-only command has nothing to say: it just stops
                print(
                    "ecs-wizard: the output was closed; stopped (a run that had started can be resumed: "
                    + (
                        invocation.session.resume_command(invocation.active_run_id)
                        if invocation.session
                        else invocation.command("runs")
                    )
                    + ")",
                    file=sys.stderr,
                )
            return errors.EXIT_FAILED
