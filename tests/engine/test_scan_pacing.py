"""Scan concurrency that adapts (issue 15): on the emulator's frozen virtual clock, a scan of the
``large`` scenario under injected throttling (HTTP 429 with ``APIGW.0308`` and a Retry-After) ends
with every image diagnosed exactly once, counts the throttled answers, honours the Retry-After and
slows down; without throttling it grows from 8 toward its ceiling."""

from wizard.cloud.client import build_clients
from wizard.config import resolve
from wizard.diagnose import scan
from wizard.pacing import AdaptiveLimit
from wizard.sim import Emulator, FaultRule

IMAGES = 200
THROTTLE = "status=429:code=APIGW.0308:retry_after=1"


def frozen(*faults: str) -> tuple[Emulator, object]:
    emu = Emulator(scenario="large", speed=0, scenario_params={"n": IMAGES})
    for rule in faults:
        emu.add_fault(FaultRule.parse(rule))
    settings = resolve(demo=True)
    clients = build_clients(
        settings, settings.require_credentials(), session_factory=emu.session, sleep=emu.clock.advance
    )
    return emu, clients


def diagnosed_ids(results) -> list[str]:
    return sorted(d.image_id for d in results)


def test_a_throttled_scan_ends_with_every_image_once_and_counts_the_throttling():
    emu, clients = frozen(f"ims.*:prob=0.1:{THROTTLE}", f"*.*:prob=0.1:{THROTTLE}")
    started = emu.clock.now()
    pace = AdaptiveLimit(32, now=emu.clock.now, sleep=emu.clock.advance)
    seen = []
    results = scan(clients, pace=pace, on_result=seen.append)
    assert len(results) == IMAGES
    assert len(set(d.image_id for d in results)) == IMAGES  # every image once
    assert "unknown" not in {d.verdict for d in results}  # with the verdict it has unthrottled
    assert diagnosed_ids(seen) == diagnosed_ids(results)  # and reported once as it finished
    throttled_answers = sum(1 for c in clients.calls if c.attempts > 1)
    assert pace.throttled >= throttled_answers > 0
    assert emu.clock.now() - started >= 1.0  # Retry-After: 1 was waited (virtually)
    assert pace.limit < pace.ceiling  # it backed off


def test_the_retry_after_is_honoured_before_new_images_start():
    emu, clients = frozen(f"cbr.get_backup:first=1:{THROTTLE}")
    pace = AdaptiveLimit(8, now=emu.clock.now, sleep=emu.clock.advance)
    started = emu.clock.now()
    results = scan(clients, pace=pace, images=list(clients.ims.list_full_ecs_images())[:20])
    assert len(results) == 20 and pace.throttled == 1
    assert emu.clock.now() - started >= 1.0  # the second the cloud asked for passed (virtually)
    assert pace.limit < 8  # halved once (8 -> 4), then grown back a little, window by window


def test_a_scan_the_cloud_keeps_up_with_grows_from_8_to_its_ceiling():
    emu, clients = frozen()
    pace = AdaptiveLimit(32, now=emu.clock.now, sleep=emu.clock.advance)
    assert pace.limit == 8
    results = scan(clients, pace=pace)
    assert len({d.image_id for d in results}) == IMAGES
    assert pace.throttled == 0 and pace.peak == 32


def test_a_call_still_throttled_after_the_clients_retries_is_diagnosed_again_later():
    # four throttled answers in a row exhaust the HTTP client's attempts for the first image's backup
    emu, clients = frozen(f"cbr.get_backup:first=4:{THROTTLE}")
    pace = AdaptiveLimit(1, now=emu.clock.now, sleep=emu.clock.advance)
    # CBR-backed images (the scenario's every fifth, bulk-0002, -0007...): with CBR throttled, CSBS does not
    # have the backup either, so the first diagnosis is "unknown" and only asking again finds the backup
    images = [i for i in clients.ims.list_full_ecs_images() if int(i.name.split("-")[1]) % 5 == 2][:3]
    assert len(images) == 3
    results = scan(clients, pace=pace, images=images)
    assert [d.image_id for d in results] == [i.id for i in images]
    assert pace.throttled == 4
    assert "unknown" not in {d.verdict for d in results}  # the throttled look-up was asked again, not given up


def test_the_limit_backs_off_when_the_answers_slow_down():
    now = [0.0]
    pace = AdaptiveLimit(64, now=lambda: now[0], sleep=lambda s: None)

    def finish(count: int, seconds: float) -> None:
        tickets = [pace.acquire() for _ in range(count)]
        now[0] += seconds
        for ticket in tickets:
            pace.release(ticket)

    finish(8, 0.1)  # a window at the best time: grow
    assert pace.limit == 10
    finish(10, 0.12)  # flat (within 25 %): grow
    assert pace.limit == 12
    finish(12, 0.3)  # three times slower: shrink by a quarter
    assert pace.limit == 9
    finish(9, 0.15)  # between: hold
    assert pace.limit == 9
    finish(9, 0.5)  # slower still: shrink, but not below where it started
    assert pace.limit == 8
    finish(8, 0.5)
    assert pace.limit == 8


def test_scan_says_how_often_the_cloud_throttled(monkeypatch, tmp_path, capsys):
    import json

    import wizard.session
    from wizard.cli import main

    opened = wizard.session.open_session

    def throttled_demo(settings, **kw):
        emu = Emulator(scenario="demo", speed=0)
        emu.add_fault(FaultRule.parse("cbr.*:first=1:status=429:code=APIGW.0308:retry_after=0"))
        return opened(settings, **kw, emulator=emu)

    monkeypatch.setattr(wizard.session, "open_session", throttled_demo)
    assert main(["scan", "--demo", "--state-dir", str(tmp_path)]) == 0
    assert "The cloud throttled 1 request; each was retried after the wait it asked for" in capsys.readouterr().out
    assert main(["scan", "--demo", "--json", "--state-dir", str(tmp_path)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["throttled"] == 1 and shown["concurrency"]["end"] == 4  # halved once from 8
