"""The FAQ as data: the symptom, the cause checks, the two questions, and the four repair paths.

Every node carries an explanation in our own words; ``render_text`` and ``render_mermaid`` draw the
chart with one path highlighted (the one the user is on).
"""

from __future__ import annotations

from dataclasses import dataclass

SERVICES = ("cbr", "csbs")


@dataclass(frozen=True)
class Node:
    id: str
    kind: str  # symptom | check | question | path | step | end
    title: str
    explanation: str


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str = ""


@dataclass(frozen=True)
class PathSpec:
    """One repair path: which service, whether the source server exists, and its step kinds."""

    id: str
    service: str
    source_exists: bool
    title: str
    steps: tuple[str, ...]

    @property
    def scenario(self) -> int:
        return 1 if self.source_exists else 2


STEP_TITLES = {
    "create_temp_server": "Create a temporary ECS from the slow image",
    "ensure_vault": "Put the ECS in a CBR server backup vault",
    "cbr_backup": "Back the ECS up with CBR",
    "csbs_backup": "Make a full CSBS backup of the ECS",
    "check_new_format": "Check that the CSBS backup is in the new format",
    "create_image": "Create a full-ECS image from the new backup",
    "verify_image": "Verify the new image supports fast ECS creation",
    "test_launch": "Test: launch an ECS from the new image and time it",
    "delete_temp_server": "Delete the temporary ECS",
    "delete_old_image": "Delete the old, slow image",
}

_CORE = {
    "cbr": ("ensure_vault", "cbr_backup", "create_image", "verify_image"),
    "csbs": ("csbs_backup", "check_new_format", "create_image", "verify_image"),
}

PATHS: dict[tuple[str, bool], PathSpec] = {}
for _service in SERVICES:
    PATHS[(_service, True)] = PathSpec(
        f"{_service}-source-exists",
        _service,
        True,
        f"{_service.upper()}, source ECS exists: back it up again and image the new backup",
        _CORE[_service],
    )
    PATHS[(_service, False)] = PathSpec(
        f"{_service}-source-gone",
        _service,
        False,
        f"{_service.upper()}, source ECS gone: recreate it from the slow image, back that up, image it",
        ("create_temp_server",) + _CORE[_service],
    )

# Steps any path may add at the end, when the user asks for them.
OPTIONAL_STEPS = ("test_launch", "delete_temp_server", "delete_old_image")

NODES: tuple[Node, ...] = (
    Node(
        "symptom",
        "symptom",
        "Creating ECSs from a full-ECS image is slow",
        "Servers take far longer than usual to build from this image, or the console says the image "
        "cannot be used to create ECSs rapidly.",
    ),
    Node(
        "is_full_ecs",
        "check",
        "Is it a full-ECS image?",
        "Only full-ECS images (system and data disks, made from a server backup) are in scope. The image's "
        "__whole_image attribute tells.",
    ),
    Node(
        "out_of_scope",
        "end",
        "Not a full-ECS image: out of scope",
        "System-disk and data-disk images are not made from a server backup, so an old-format backup cannot be "
        "what slows them down; this fix does not apply.",
    ),
    Node(
        "is_active",
        "check",
        "Is the image active?",
        "An image that is still being made (queued or saving) or that failed cannot be judged yet and no ECS "
        "can be created from it; its status tells.",
    ),
    Node(
        "not_active",
        "end",
        "The image is not ready yet",
        "Wait until the image is active (or look at why its creation failed), then run the diagnosis again: "
        "slow creation can only be judged on an active image.",
    ),
    Node(
        "backup_service",
        "check",
        "Which service made its backup?",
        "The image's __backup_id names the backup, looked up in CBR, then CSBS: found in either, look at its "
        "format (CBR's own backups support fast creation, but old CSBS backups migrated into CBR may not). Found "
        "nowhere, while both services list the project's backups: the backup was deleted. Any other answer: the "
        "cloud does not tell.",
    ),
    Node(
        "fast_already",
        "end",
        "Not affected",
        "The backup supports lazy loading, so servers from this image already build fast. Look for the cause "
        "elsewhere (flavor, disk type, quotas, the image being shared or still saving).",
    ),
    Node(
        "csbs_format",
        "check",
        "Is the backup in the new format?",
        "New-format (enhanced, instant-restore) CSBS backups report extend_info.support_lld = true. Old-format "
        "backups report false or nothing: that is the cause of the slow creation. A CBR backup reports true or "
        "nothing, unless it is an old CSBS backup migrated into CBR, which reports false.",
    ),
    Node(
        "backup_gone",
        "end",
        "The image's backup was deleted",
        "Creating servers from this image may fail outright (Ecs.0034). If a server made from it still runs, "
        "repair from that server; otherwise the image cannot be repaired.",
    ),
    Node(
        "cannot_tell",
        "end",
        "The cloud's answers do not tell",
        "A backup the services do not find counts as deleted only when the same services answer for the "
        "project (they list its backups). When they do not (a wrong project id, a region without the service, "
        "a call that is denied or not answered), nothing is concluded: the verdict is unknown, with the reason.",
    ),
    Node(
        "choose_service",
        "question",
        "Back up again with CBR or CSBS?",
        "CBR is recommended: it replaces CSBS, every new CBR backup supports fast creation, and it is where new "
        "features land. Choose CSBS only where the account still uses it (a full backup is then made so it is "
        "in the new format). Some regions make full-ECS images only from CBR backups (IMS IMG.0190).",
    ),
    Node(
        "source_exists",
        "question",
        "Does the source ECS still exist?",
        "The backup records which server it came from; the wizard looks that server up. If it is gone, a "
        "temporary server is first created from the slow image, so there is something to back up.",
    ),
)

EDGES: tuple[Edge, ...] = (
    Edge("symptom", "is_full_ecs"),
    Edge("is_full_ecs", "out_of_scope", "no"),
    Edge("is_full_ecs", "is_active", "yes"),
    Edge("is_active", "not_active", "no"),
    Edge("is_active", "backup_service", "yes"),
    Edge("backup_service", "csbs_format", "CBR or CSBS"),
    Edge("backup_service", "backup_gone", "deleted"),
    Edge("backup_service", "cannot_tell", "no clear answer"),
    Edge("csbs_format", "fast_already", "new format"),
    Edge("csbs_format", "choose_service", "old format: repair"),
    Edge("choose_service", "source_exists", "CBR / CSBS"),
    *(
        Edge("source_exists", spec.id, f"{'yes' if spec.source_exists else 'no'} ({spec.service.upper()})")
        for spec in PATHS.values()
    ),
)


def explained(n: Node) -> str:
    """A node's title with its explanation, as one text: a question runs on into its answer, a
    statement ends before it (no colon after a title that has one)."""
    return f"{n.title} {n.explanation}" if n.title.endswith("?") else f"{n.title}. {n.explanation}"


def node(node_id: str) -> Node:
    for n in NODES:
        if n.id == node_id:
            return n
    raise KeyError(node_id)


def path_for(service: str, source_exists: bool) -> PathSpec:
    try:
        return PATHS[(service, source_exists)]
    except KeyError:
        raise ValueError(f"unknown backup service {service!r} (use cbr or csbs)") from None


def all_node_ids() -> set[str]:
    return {n.id for n in NODES} | {p.id for p in PATHS.values()}


def reachable_from(start: str = "symptom") -> set[str]:
    seen, todo = set(), [start]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        todo.extend(e.target for e in EDGES if e.source == current)
    return seen


_OUTLINE = (  # (node, where its other branches lead)
    ("symptom", ""),
    ("is_full_ecs", "no -> out_of_scope"),
    ("is_active", "no -> not_active"),
    ("backup_service", "deleted -> backup_gone; no clear answer -> cannot_tell"),
    ("csbs_format", "new format -> fast_already"),
    ("choose_service", ""),
    ("source_exists", ""),
)


def outline() -> list[tuple[str, str]]:
    """(node id, "N. title  branches") for the chart's decision route, numbered as every view shows it
    (the CLI's and plain mode's text, the TUI's overview)."""
    import re

    rows = []
    for number, (node_id, branches) in enumerate(_OUTLINE, start=1):
        branches = re.sub(r"-> (\w+)", lambda m: "-> " + node(m.group(1)).title, branches)
        rows.append((node_id, f"{number}. {node(node_id).title}" + (f"  {branches}" if branches else "")))
    return rows


def render_text(highlight: PathSpec | None = None, *, explain: bool = True, width: int = 96) -> str:
    """An indented outline of the chart; the highlighted path is marked with ">>". With ``explain``
    every node's explanation follows it, and the chart's ends are explained at the bottom."""
    import textwrap

    lines = ["Slow ECS creation from a full-ECS image: troubleshooting flowchart", ""]

    def mark(on: bool) -> str:
        return ">> " if on else "   "

    def explanation(text: str, indent: str) -> None:
        if explain:
            lines.extend(textwrap.wrap(text, width=width, initial_indent=indent, subsequent_indent=indent))

    on_route = highlight is not None
    for node_id, heading in outline():
        lines += [
            f"{mark(on_route)}{part}" for part in textwrap.wrap(heading, width=width - 3, subsequent_indent="      ")
        ]
        explanation(node(node_id).explanation, "      ")
    for spec in PATHS.values():
        chosen = highlight is not None and spec.id == highlight.id
        label = " (your path)" if chosen else ""
        for i, part in enumerate(textwrap.wrap(f"path {spec.id}{label}: {spec.title}", width=width - 6)):
            lines.append(f"{mark(chosen)}   {'' if i == 0 else '      '}{part}")
        for number, kind in enumerate(spec.steps, start=1):
            lines.append(f"{mark(chosen)}      {number}. {STEP_TITLES[kind]}")
    lines.append("")
    lines += textwrap.wrap(
        "Optional at the end of any path: " + "; ".join(STEP_TITLES[k] for k in OPTIONAL_STEPS) + ".",
        width=width,
        subsequent_indent="   ",
    )
    if explain:
        lines += ["", "Where the chart ends without a repair:"]
        for n in NODES:
            if n.kind == "end":
                lines.append(f"   - {n.title}")
                explanation(n.explanation, "     ")
    return "\n".join(lines)


def render_mermaid(highlight: PathSpec | None = None) -> str:
    """A Mermaid flowchart; the highlighted path gets a class so it stands out when rendered."""
    out = ["flowchart TD"]
    shapes = {"question": ("{", "}"), "check": ("{", "}"), "end": ("([", "])"), "symptom": ("[/", "/]")}
    for n in NODES:
        left, right = shapes.get(n.kind, ("[", "]"))
        out.append(f"    %% {n.id}: {n.explanation}")
        out.append(f'    {n.id}{left}"{n.title}"{right}')
    for spec in PATHS.values():
        steps = "<br/>".join(f"{i}. {STEP_TITLES[k]}" for i, k in enumerate(spec.steps, start=1))
        out.append(f'    {_mid(spec.id)}["{spec.title}<br/>{steps}"]')
    for e in EDGES:
        target = _mid(e.target) if e.target in {p.id for p in PATHS.values()} else e.target
        arrow = f" -->|{e.label}| " if e.label else " --> "
        out.append(f"    {e.source}{arrow}{target}")
    if highlight is not None:
        out.append("    classDef chosen stroke-width:4px,stroke:#e8a317")
        on_route = ",".join(node_id for node_id, _ in _OUTLINE)
        out.append(f"    class {_mid(highlight.id)},{on_route} chosen")
    return "\n".join(out)


def _mid(path_id: str) -> str:
    return path_id.replace("-", "_")
