"""Commands that only tell: ``flowchart`` (the troubleshooting flowchart) and ``config show`` (the
cloud settings that were resolved, and where each came from; secrets masked)."""

from __future__ import annotations

from wizard import errors, flowchart
from wizard.commands.context import Invocation


def cmd_flowchart(invocation: Invocation) -> int:
    args = invocation.args
    highlight = next((p for p in flowchart.PATHS.values() if p.id == args.path), None)
    print(flowchart.render_mermaid(highlight) if args.format == "mermaid" else flowchart.render_text(highlight))
    return errors.EXIT_OK


def cmd_config_show(invocation: Invocation) -> int:
    settings = invocation.settings()
    width = max(len(name) for name, _, _ in settings.describe())
    for name, value, source in settings.describe():
        print(f"{name:<{width}}  {value}" + (f"   [{source}]" if source else ""))
    if settings.credentials is None:
        print(
            "\nNo credentials found. Set HUAWEICLOUD_SDK_AK/SK/PROJECT_ID, or OS_CLOUD with a clouds.yaml, "
            "or try the built-in emulator: ecs-wizard demo"
        )
        return errors.EXIT_USAGE
    return errors.EXIT_OK
