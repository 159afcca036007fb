"""Item 4 of issue 12: journals and clouds.yaml/secure.yaml files with the wrong types. Every
mutation of a real journal either loads into a run the wizard can report on, or is refused as a
damaged journal naming the field (exit 2); one damaged journal never hides the others from
``runs``. Every malformed cloud entry is a configuration error naming the key."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.security.helpers import FAST, IDS, cli
from wizard.config import resolve
from wizard.errors import ConfigError, UsageError
from wizard.journal import Journal
from wizard.report import render

REPLACEMENTS: list[Any] = [None, 7, -1, 1.5, True, "x", "", [], {}, ["x"], {"x": 1}]


@pytest.fixture(scope="module")
def journals(tmp_path_factory) -> tuple[Path, list[str]]:
    """A state directory with two real demo runs: one finished, one waiting for confirmation."""
    state = tmp_path_factory.mktemp("state")
    from wizard.cli import main

    assert (
        main(
            [
                "run",
                IDS["image_old_csbs_server_deleted"],
                "--demo",
                "--yes",
                "--cleanup",
                "--test-launch",
                "--speed",
                FAST,
                "--state-dir",
                str(state),
            ]
        )
        == 0
    )
    assert main(["run", IDS["image_old_csbs_server_exists"], "--demo", "--speed", FAST, "--state-dir", str(state)]) == 3
    ids = sorted(p.stem for p in (state / "runs").glob("*.json"))
    return state, ids


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place in a journal (the first item of each list stands for the rest)."""
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, inner in value.items():
            out += _paths(inner, prefix + (key,))
    elif isinstance(value, list) and value:
        out += _paths(value[0], prefix + (0,))
    return out


def _mutations(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in _paths(data):
        parent = data
        for key in path[:-1]:
            parent = parent[key]
        for replacement in REPLACEMENTS + ["(deleted)"]:
            if replacement != "(deleted)" and parent[path[-1]] == replacement:
                continue
            mutated = copy.deepcopy(data)
            target = mutated
            for key in path[:-1]:
                target = target[key]
            if replacement == "(deleted)":
                if isinstance(target, list):
                    continue
                del target[path[-1]]
            else:
                target[path[-1]] = replacement
            out.append((".".join(map(str, path)) + f" = {replacement!r}", mutated))
    return out


def test_every_mutation_of_a_journal_loads_or_is_refused_naming_the_field(journals, tmp_path):
    state, ids = journals
    original = json.loads((state / "runs" / f"{ids[0]}.json").read_text())
    mutations = _mutations(original)
    assert len(mutations) > 500  # the corpus
    refused = 0
    journal = Journal(tmp_path)
    journal.prepare()
    path = journal.path(ids[0])
    for what, data in mutations:
        path.write_text(json.dumps(data))
        try:
            run = journal.load(ids[0])
        except UsageError as exc:
            assert exc.message.startswith("Damaged journal: ") and exc.exit_code == 2, (what, exc.message)
            refused += 1
            continue
        try:  # what it loaded is a run the wizard can show
            render(run, "md")
            render(run, "json")
            run.resources()
            _ = run.new_image_id, run.resumable
            run.plan.api_calls()
        except Exception as exc:  # noqa: BLE001 - the point: nothing else may escape
            pytest.fail(f"{what}: loaded, then {type(exc).__name__}: {exc}")
    assert refused > 100


@pytest.mark.parametrize(
    "field, value, named",
    [
        ("status", 7, "status"),
        ("plan", [], "plan"),
        ("created_at", "yesterday", "created_at"),
        ("events", {"event": "x"}, "events"),
        ("format", 2, "format"),
    ],
)
def test_a_damaged_journal_is_exit_2_naming_the_field_and_runs_lists_the_others(
    capsys, journals, tmp_path, field, value, named
):
    state, ids = journals
    copy_state = tmp_path / "state"
    copy_state.mkdir(mode=0o700)
    (copy_state / "runs").mkdir(mode=0o700)
    for run_id in ids:
        (copy_state / "runs" / f"{run_id}.json").write_text((state / "runs" / f"{run_id}.json").read_text())
    damaged = copy_state / "runs" / f"{ids[0]}.json"
    data = json.loads(damaged.read_text())
    data[field] = value
    damaged.write_text(json.dumps(data))

    for command in (["report", ids[0]], ["resume", ids[0]], ["report", ids[0], "--format", "json"]):
        code, out, err = cli(capsys, *command, state=copy_state)
        assert code == 2 and "Traceback" not in err, (command, err)
        assert f"Damaged journal: {named}" in err, err

    code, out, err = cli(capsys, "runs", state=copy_state)
    assert code == 0 and ids[1] in out and ids[0] not in out
    assert f"warning: {damaged}: damaged journal: {named}" in err


def test_nan_in_a_journal_is_damage(capsys, journals, tmp_path):
    state, ids = journals
    journal = Journal(tmp_path)
    journal.prepare()
    text = (state / "runs" / f"{ids[0]}.json").read_text()
    data = json.loads(text)
    data["updated_at"] = 1.0
    journal.path(ids[0]).write_text(json.dumps(data).replace('"updated_at": 1.0', '"updated_at": NaN'))
    with pytest.raises(UsageError, match="Damaged journal: .*NaN"):
        journal.load(ids[0])


# -- clouds.yaml and secure.yaml ------------------------------------------------------------------

GOOD = {
    "auth_url": "https://iam.eu-de.otc.t-systems.com/v3",
    "username": "alice",
    "password": "secret",
    "user_domain_name": "OTC00000000001000000001",
    "project_name": "eu-de",
}


def _resolve(tmp_path: Path, clouds: Any, secure: Any = None):
    (tmp_path / "clouds.yaml").write_text(yaml.safe_dump(clouds))
    if secure is not None:
        (tmp_path / "secure.yaml").write_text(yaml.safe_dump(secure))
    env = {"OS_CLOUD": "otc", "OS_CLIENT_CONFIG_FILE": str(tmp_path / "clouds.yaml")}
    return resolve(env=env, home=tmp_path / "home", cwd=tmp_path / "cwd")


def test_a_good_entry_still_resolves(tmp_path):
    settings = _resolve(tmp_path, {"clouds": {"otc": {"auth": GOOD, "region_name": "eu-nl"}}})
    assert settings.region == "eu-nl" and settings.credentials.user == "alice"


CLOUDS_CORPUS = (
    [
        (["a", "list"], "top level"),
        ("text", "top level"),
        ({"clouds": ["otc"]}, "clouds"),
        ({"clouds": {"otc": ["auth"]}}, "otc"),
        ({"clouds": {"otc": "auth"}}, "otc"),
        ({"clouds": {"otc": 7}}, "otc"),
        ({"clouds": {"otc": {"auth": ["x"]}}}, "auth"),
        ({"clouds": {"otc": {"auth": "x"}}}, "auth"),
        ({"clouds": {"otc": {"auth": GOOD, "region_name": ["x"]}}}, "region_name"),
        ({"clouds": {"otc": {"auth": GOOD, "region_name": {"a": 1}}}}, "region_name"),
        ({"clouds": {"otc": {"auth": GOOD, "region_name": 7}}}, "region_name"),
    ]
    + [
        ({"clouds": {"otc": {"auth": {**GOOD, key: bad}}}}, key)
        for key in ("auth_url", "username", "password", "user_domain_name", "project_name", "project_id")
        for bad in (["x"], {"a": "b"}, 12345, True)
    ]
    + [
        ({"clouds": {"otc": {"auth": {**GOOD, "ak": bad, "sk": "s", "project_id": "p"}}}}, "ak")
        for bad in (["x"], {"a": "b"}, 12345)
    ]
)


@pytest.mark.parametrize("clouds, key", CLOUDS_CORPUS, ids=[f"{i}-{k}" for i, (_, k) in enumerate(CLOUDS_CORPUS)])
def test_a_malformed_clouds_yaml_is_a_config_error_naming_the_key(tmp_path, clouds, key):
    with pytest.raises(ConfigError) as info:
        _resolve(tmp_path, clouds)
    assert key in info.value.message and "clouds.yaml" in info.value.message
    assert info.value.exit_code == 2


@pytest.mark.parametrize(
    "secure, key",
    [
        ({"clouds": {"otc": ["x"]}}, "otc"),
        ({"clouds": {"otc": {"auth": "x"}}}, "auth"),
        ({"clouds": {"otc": {"auth": {"password": ["p"]}}}}, "password"),
        ({"clouds": "x"}, "clouds"),
    ],
)
def test_a_malformed_secure_yaml_is_a_config_error_naming_the_key(tmp_path, secure, key):
    clouds = {"clouds": {"otc": {"auth": {k: v for k, v in GOOD.items() if k != "password"}}}}
    with pytest.raises(ConfigError) as info:
        _resolve(tmp_path, clouds, secure)
    assert key in info.value.message and "secure.yaml" in info.value.message


def test_config_show_with_a_malformed_entry_is_exit_2_without_a_traceback(capsys, tmp_path, monkeypatch):
    (tmp_path / "clouds.yaml").write_text(yaml.safe_dump({"clouds": {"otc": {"auth": ["x"]}}}))
    monkeypatch.setenv("OS_CLOUD", "otc")
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(tmp_path / "clouds.yaml"))
    for name in ("HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK"):
        monkeypatch.delenv(name, raising=False)
    code, out, err = cli(capsys, "config", "show")
    assert code == 2 and "auth" in err and "Traceback" not in err
