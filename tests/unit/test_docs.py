"""The contributor documents stay true as the code moves: every file, module and module attribute
that docs/design.md and CONTRIBUTING.md name exists, every relative link in them and in the README
and CHANGELOG leads to a file (and heading) that exists, and the README links to all three."""

from __future__ import annotations

import importlib
import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NAMING_DOCS = ["docs/design.md", "CONTRIBUTING.md"]  # the documents that cite code
LINKING_DOCS = [*NAMING_DOCS, "README.md", "CHANGELOG.md"]

CODE = re.compile(r"`([^`\n]+)`")
PATH = re.compile(r"^(?:wizard|screens|tests|benchmarks|scripts|docs|\.ci)/[\w./-]*$")
DOTTED = re.compile(r"\b((?:wizard|screens)(?:\.\w+)+)")
SHORT = re.compile(r"^(\w+)\.(?!(?:py|md|toml|yaml|tcss)$)([A-Za-z_]\w*)$")  # `ownership.sweep`, not `cli.py`
LINK = re.compile(r"\]\(([^)\s]+)\)")


def cited(doc: str) -> list[str]:
    return CODE.findall((ROOT / doc).read_text())


def resolves(dotted: str) -> bool:
    """The longest prefix that is a module exists, and the rest are attributes of it."""
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        module = ".".join(parts[:end])
        try:
            if importlib.util.find_spec(module) is None:
                continue
        except ModuleNotFoundError:  # a parent that is a module, not a package
            continue
        target = importlib.import_module(module) if end < len(parts) else None
        for attribute in parts[end:]:
            if not hasattr(target, attribute):
                return False
            target = getattr(target, attribute)
        return True
    return False


def anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens."""
    headings = re.findall(r"^#+ (.+)$", markdown, re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


@pytest.mark.parametrize("doc", NAMING_DOCS)
def test_every_cited_path_exists(doc):
    missing = []
    for text in cited(doc):
        path = text.split("::")[0]  # a pytest node id names its file first
        if PATH.match(path) and not (ROOT / path).exists():
            missing.append(path)
    assert missing == [], f"{doc} names paths that do not exist"


@pytest.mark.parametrize("doc", NAMING_DOCS)
def test_every_cited_module_and_attribute_exists(doc):
    names = {match for text in cited(doc) if "/" not in text for match in DOTTED.findall(text)}
    for text in cited(doc):
        short = SHORT.match(text)
        if short and (ROOT / "wizard" / f"{short.group(1)}.py").is_file():
            names.add(f"wizard.{text}")
    assert names  # the documents do cite code: a pattern that found nothing would prove nothing
    assert sorted(n for n in names if not resolves(n)) == [], f"{doc} names modules or attributes that do not exist"


@pytest.mark.parametrize("doc", LINKING_DOCS)
def test_relative_links_lead_somewhere(doc):
    source = ROOT / doc
    broken = []
    for target in LINK.findall(source.read_text()):
        if re.match(r"^[a-z]+:", target):  # https:, mailto:
            continue
        file, _, anchor = target.partition("#")
        path = (source.parent / file).resolve() if file else source
        if not path.exists() or (anchor and anchor not in anchors(path.read_text())):
            broken.append(target)
    assert broken == [], f"{doc} has links to nothing"


def test_readme_points_contributors_to_the_three_documents():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## For contributors", 1)[1]
    for doc in ("CONTRIBUTING.md", "docs/design.md", "CHANGELOG.md"):
        assert f"]({doc})" in section


def test_the_fault_rule_syntax_is_in_the_readme_and_in_sim_serve_help(capsys):
    """One text, kept in wizard.sim.faults beside its parser: the README quotes it, the help prints it
    with every operation a rule can name."""
    import pytest

    from wizard.cli import main
    from wizard.sim.faults import OPERATIONS, RULE_SYNTAX

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert f"```text\n{RULE_SYNTAX}```" in readme
    with pytest.raises(SystemExit):
        main(["sim", "serve", "--help"])
    shown = capsys.readouterr().out
    assert RULE_SYNTAX in shown
    for service, names in OPERATIONS.items():
        assert f"  {service}: {names[0]}" in shown
