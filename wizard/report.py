"""A run's report, Markdown or JSON: the diagnosis with its evidence, the answers, every step with
timings, resource ids, request ids and errors, and the guided-session transcript. Built only from
the journal, which never holds secrets."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from wizard.journal import Run


def _when(ts: float | None) -> str:
    if not ts:
        return "-"
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _seconds(start: float | None, end: float | None) -> str:
    if not start or not end:
        return "-"
    return f"{end - start:.1f} s"


def to_json(run: Run) -> str:
    data = run.to_dict()
    data["new_image_id"] = run.new_image_id
    data["resources"] = run.resources()
    data["sweeps"] = sweeps(run)
    return json.dumps(data, indent=2, default=str)


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def to_markdown(run: Run) -> str:
    d = run.diagnosis
    plan = run.plan
    lines = [
        f"# ecs-wizard run {run.run_id}",
        "",
        f"- **Status:** {run.status}",
        f"- **Image:** {plan.image_name} (`{plan.image_id}`)",
        f"- **New image:** {plan.new_image_name}" + (f" (`{run.new_image_id}`)" if run.new_image_id else ""),
        f"- **Cloud:** {run.cloud.get('cloud')} / {run.cloud.get('region')} / project `{run.cloud.get('project_id')}`",
        f"- **Started:** {_when(run.created_at)}; **last update:** {_when(run.updated_at)}",
        "",
        "## Diagnosis",
        "",
        f"**{d.get('summary', d.get('verdict'))}**",
        "",
        d.get("advice", ""),
        "",
        "| field | value | read from | meaning |",
        "|---|---|---|---|",
    ]
    for e in d.get("evidence") or []:
        lines.append(
            f"| {_cell(e['field'])} | {_cell(e['value'])} | {_cell(e['source'])} | {_cell(e.get('meaning', ''))} |"
        )
    server = d.get("source_server") or {}
    if server:
        exists = {True: "exists", False: "deleted", None: "unknown"}[server.get("exists")]
        lines += ["", f"Source ECS: `{server.get('id')}` ({server.get('name') or 'name unknown'}): {exists}."]
    a = run.answers
    lines += [
        "",
        "## Answers",
        "",
        f"- Backup service: {str(a.get('service', '')).upper()}",
        f"- Source ECS exists: {'yes' if a.get('source_exists') else 'no'}",
        f"- Test launch: {'yes' if a.get('test_launch') else 'no'}",
    ]
    if not a.get("source_exists"):
        lines.append(f"- Delete the temporary ECS at the end: {'yes' if a.get('cleanup') else 'no'}")
    lines += [
        "",
        f"## Path: {plan.path.title}",
        "",
        "| # | step | status | attempts | started | took | result |",
        "|---|---|---|---|---|---|---|",
    ]
    for n, s in enumerate(plan.steps, start=1):
        result = s.error["message"] if s.error else s.message
        lines.append(
            f"| {n} | {_cell(s.title)} | {s.status} | {s.attempts} | {_when(s.started_at)} | {_seconds(s.started_at, s.ended_at)} | {_cell(result)} |"
        )
    resources = run.resources()
    lines += ["", "## Resources created by this run", ""]
    lines += [f"- {r['type']} `{r['id']}` ({r['name']}), step {r['step']}" for r in resources] or ["- none"]
    lines += _sweeps(run)
    errors = [s for s in plan.steps if s.error]
    if errors:
        lines += ["", "## Errors", ""]
        for s in errors:
            e = s.error
            code = (
                f" `{(e['service'] or '').upper() + ' ' if e.get('service') else ''}{e['code']}`"
                if e.get("code")
                else ""
            )
            rid = f" (request id `{e['request_id']}`)" if e.get("request_id") else ""
            lines.append(f"- **{s.title}**{code}: {e['message']}{rid}. {e.get('remedy', '')}")
    request_ids = [c for c in run.calls if c.get("request_id")]
    if request_ids:
        lines += ["", "## API calls", "", "| service | call | status | request id |", "|---|---|---|---|"]
        for c in request_ids[-200:]:
            lines.append(f"| {c['service']} | {c['method']} {_cell(c['path'])} | {c['status']} | `{c['request_id']}` |")
    if run.transcript:
        lines += ["", "## Session transcript", ""]
        for t in run.transcript:
            kind, text = t.get("kind", "shown"), str(t.get("text", "")).strip("\n")
            if "\n" in text:  # a table, the flowchart, a list: kept as it was shown
                fence = "````" if "```" in text else "```"
                lines += [
                    f"- {kind}:",
                    "",
                    f"  {fence}text",
                    *(f"  {line}" for line in text.splitlines()),
                    f"  {fence}",
                ]
            else:
                lines.append(f"- {kind}: {_cell(text)}")
    lines += ["", f"_Flowchart path {plan.path_id}; the full chart: `ecs-wizard flowchart`._", ""]
    return "\n".join(lines)


def sweeps(run: Run) -> list[dict[str, Any]]:
    """What each sweep found and did (``wizard.ownership.sweep``), from the run's events."""
    return [e["sweep"] for e in run.events if e.get("event") == "sweep" and isinstance(e.get("sweep"), dict)]


def _sweeps(run: Run) -> list[str]:
    """The sweeps that deleted or could not delete something, and the last sweep's count."""
    done = sweeps(run)
    if not done:
        return []
    lines = ["", "## Sweeps (what carries this run's mark)", ""]
    for sweep in done:
        for o in sweep.get("deleted") or []:
            lines.append(f"- {sweep['when']}: deleted the surplus: {o['type']} `{o['id']}` ({o['name']})")
        for o in sweep.get("failed") or []:
            lines.append(f"- {sweep['when']}: could not delete {o['type']} `{o['id']}` ({o['name']}): {o['reason']}")
        if sweep.get("error"):
            lines.append(f"- {sweep['when']}: could not list what carries the mark: {sweep['error']}")
    last = done[-1]
    lines.append(
        f"- last sweep ({last['when']}): {len(last.get('found') or [])} resource(s) carry the mark, "
        f"{len(last.get('kept') or [])} kept as the journal holds them"
    )
    return lines


def render(run: Run, fmt: str = "md") -> str:
    if fmt == "json":
        return to_json(run)
    if fmt in ("md", "markdown"):
        return to_markdown(run)
    raise ValueError(f"unknown report format {fmt!r} (use md or json)")
