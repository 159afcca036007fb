"""Command-line parsing and dispatch only. Front ends are imported lazily, so the core commands
start quickly and work without a terminal."""

from __future__ import annotations

import argparse
import sys
from typing import Callable, Sequence

from wizard import errors

COMMANDS_HELP = """commands:
  demo          start the wizard on the built-in cloud emulator (no account needed)
  config show   print the cloud settings that were resolved, and where each came from
  sim serve     serve the emulator over loopback HTTP for other shells and tools
"""


def _common(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("cloud settings")
    g.add_argument("--demo", action="store_true", help="use the built-in emulator with the demo scenario")
    g.add_argument("--cloud", choices=["hwc", "otc"], help="which cloud's settings to use (default: whichever is configured)")
    g.add_argument("--region", help="region, e.g. eu-de (Open Telekom Cloud) or eu-west-101 (Huawei Cloud)")
    g.add_argument("--endpoint", metavar="URL", help="send every service to this base URL (also ECS_WIZARD_ENDPOINT)")
    g.add_argument("--insecure", action="store_true", help="do not verify TLS certificates (not recommended)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ecs-wizard",
        description="Find and repair full-ECS images that create servers slowly (old-format CSBS backups) "
        "on Open Telekom Cloud and Huawei Cloud.",
        epilog=COMMANDS_HELP + "\nexit codes: 0 repaired/ok, 1 failed, 2 bad usage or input, "
        "3 needs confirmation, 4 not affected, 130 interrupted",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version="ecs-wizard 0.1.0")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("config", help="show the resolved cloud settings")
    config_sub = p.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    show = config_sub.add_parser("show", help="print what was resolved and from where (secrets masked)")
    _common(show)
    show.set_defaults(handler=cmd_config_show)

    p = sub.add_parser("sim", help="the cloud emulator")
    sim_sub = p.add_subparsers(dest="sim_command", metavar="ACTION", required=True)
    serve = sim_sub.add_parser("serve", help="serve the emulator on loopback HTTP until interrupted")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, loopback only)")
    serve.add_argument("--port", type=int, default=0, help="port (default 0: pick a free one)")
    serve.add_argument("--scenario", default="demo", help="demo | empty | large (default demo)")
    serve.add_argument("--size", type=int, default=1000, help="number of images for --scenario large")
    serve.add_argument("--speed", type=float, default=60.0, help="virtual seconds per real second (default 60)")
    serve.add_argument("--fault", action="append", default=[], metavar="RULE", help="fault rule, e.g. ims.create_whole_image:first=1:status=500 (repeatable)")
    serve.set_defaults(handler=cmd_sim_serve)
    return parser


def cmd_config_show(args: argparse.Namespace) -> int:
    settings = _settings(args)
    width = max(len(name) for name, _, _ in settings.describe())
    for name, value, source in settings.describe():
        print(f"{name:<{width}}  {value}" + (f"   [{source}]" if source else ""))
    if settings.credentials is None:
        print("\nNo credentials found. Set HUAWEICLOUD_SDK_AK/SK/PROJECT_ID, or OS_CLOUD with a clouds.yaml, "
              "or try the built-in emulator: ecs-wizard demo")
        return errors.EXIT_USAGE
    return errors.EXIT_OK


def cmd_sim_serve(args: argparse.Namespace) -> int:
    from wizard.sim import Emulator, FaultRule, export_lines, serve

    try:
        faults = [FaultRule.parse(rule) for rule in args.fault]
    except ValueError as exc:
        raise errors.UsageError(f"Bad --fault rule: {exc}") from None
    params = {"n": args.size} if args.scenario == "large" else {}
    try:
        emulator = Emulator(scenario=args.scenario, speed=args.speed, faults=faults, scenario_params=params)
    except (KeyError, ValueError) as exc:
        raise errors.UsageError(f"Cannot start the emulator: {exc}") from None

    def ready(url: str) -> None:
        for line in export_lines(url):
            print(line)
        print(f"# emulator serving scenario {args.scenario!r} at {url} (speed {args.speed:g}x); Ctrl-C stops it", file=sys.stderr)
        sys.stdout.flush()

    try:
        serve(emulator, host=args.host, port=args.port, on_ready=ready)
    except OSError as exc:
        raise errors.UsageError(f"Cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    except KeyboardInterrupt:
        pass
    print("# emulator stopped", file=sys.stderr)
    return errors.EXIT_OK


def _settings(args: argparse.Namespace):
    from wizard.config import resolve

    return resolve(demo=args.demo, cloud=args.cloud, region=args.region, endpoint=args.endpoint, insecure=args.insecure)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return errors.EXIT_USAGE
    try:
        return handler(args)
    except errors.WizardError as exc:
        print(f"ecs-wizard: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("\necs-wizard: interrupted", file=sys.stderr)
        return errors.EXIT_INTERRUPTED
