"""Scan concurrency that adapts (issue 15): on the emulator's frozen virtual clock, a scan of the
``large`` scenario under injected throttling (HTTP 429 with ``APIGW.0308`` and a Retry-After) ends
with every image diagnosed exactly once, counts the throttled answers, honours the Retry-After and
slows down; without throttling it grows from 8 toward its ceiling."""

import queue
import threading

import pytest

from wizard.cloud.client import build_clients
from wizard.config import resolve
from wizard.diagnose import scan
from wizard.pacing import AdaptiveLimit
from wizard.sim import Emulator, FaultRule, VirtualClock

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
    assert pace.peak == 8 and pace.limit == 8  # halved once (8 -> 4), then doubled back after a clean window


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


def paced(ceiling: int) -> tuple[AdaptiveLimit, VirtualClock]:
    """A limit on a frozen virtual clock, which only its pauses and :func:`finish` move."""
    clock = VirtualClock(speed=0, start=0)
    return AdaptiveLimit(ceiling, now=clock.now, sleep=clock.advance), clock


def run_window(pace: AdaptiveLimit, clock: VirtualClock, count: int, seconds: float, throttle: bool = False) -> None:
    """``count`` images (at most the limit) start together and finish ``seconds`` later; with
    ``throttle``, the cloud throttles one of their calls meanwhile (Retry-After: 1)."""
    tickets = [pace.acquire() for _ in range(count)]
    if throttle:
        pace.on_throttle(1.0)
    clock.advance(seconds)
    for ticket in tickets:
        pace.release(ticket)


def test_the_limit_backs_off_when_the_answers_slow_down():
    pace, clock = paced(64)

    def finish(count: int, seconds: float) -> None:
        run_window(pace, clock, count, seconds)

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


def test_after_a_throttle_the_limit_doubles_back_to_where_it_was_throttled_then_grows_carefully():
    pace, clock = paced(64)
    for _ in range(4):
        run_window(pace, clock, pace.limit, 0.1)  # flat: 8 -> 10 -> 12 -> 15 -> 18
    assert pace.limit == 18
    pace.on_throttle(1.0)
    assert pace.limit == 9
    throttled_at = clock.now()
    run_window(pace, clock, 9, 0.15)  # a clean window, a little slower (within RISING of the best): double
    assert clock.now() - throttled_at >= 1.0 + 0.15  # no image started before the Retry-After passed
    assert pace.limit == 18  # back where it was throttled in one window (a step of +2 per window before)
    run_window(pace, clock, 18, 0.1)
    assert pace.limit == 22  # beyond it, the careful growth: a quarter per flat window, not doubling
    assert pace.throttled == 1 and pace.peak == 22


def test_recovery_waits_while_the_answers_are_much_slower_than_the_best():
    pace, clock = paced(64)
    run_window(pace, clock, 8, 0.1)  # best 0.1 s per image; 8 -> 10
    run_window(pace, clock, 10, 0.1)  # 10 -> 12
    pace.on_throttle(None)
    assert pace.limit == 6
    run_window(pace, clock, 6, 0.1)
    run_window(pace, clock, 2, 0.1)  # a window is at least 8 images: this one ends the first
    assert pace.limit == 12
    run_window(pace, clock, 12, 0.1)  # 12 -> 15
    pace.on_throttle(None)
    assert pace.limit == 7
    run_window(pace, clock, 7, 0.3)
    run_window(pace, clock, 1, 0.3)  # three times the best: the cloud is struggling, so no doubling
    assert pace.limit == 7


def test_throttling_that_goes_on_holds_the_limit_down_to_one():
    pace, clock = paced(32)
    limits = []
    for _ in range(8):
        run_window(pace, clock, min(pace.limit, 8), 0.1, throttle=True)  # every window throttled
        limits.append(pace.limit)
    assert limits == [4, 2, 1, 1, 1, 1, 1, 1]
    assert pace.throttled == 8 and pace.peak == 8
    assert clock.now() == pytest.approx(7 * 1.0 + 0.1)  # each window started a Retry-After after the last
    climb = []
    for _ in range(4):  # once it stops: a window of 8 clean images at each level
        for _ in range(max(1, 8 // pace.limit)):
            run_window(pace, clock, min(pace.limit, 8), 0.1)
        climb.append(pace.limit)
    assert climb == [2, 4, 8, 10]  # doubling back to where a scan starts, then the careful growth


class Worker:
    """A thread of its own, run one step at a time (the limit knows which image each thread runs)."""

    def __init__(self) -> None:
        self.jobs: queue.SimpleQueue = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while (job := self.jobs.get()) is not None:
            step, answers = job
            answers.put(step())

    def run(self, step):
        answers: queue.SimpleQueue = queue.SimpleQueue()
        self.jobs.put((step, answers))
        return answers.get(timeout=10)

    def stop(self) -> None:
        self.jobs.put(None)
        self.thread.join(10)


def test_only_an_image_started_after_the_halving_halves_again():
    pace, clock = paced(32)
    early, also_early, late = Worker(), Worker(), Worker()
    try:
        tickets = [early.run(pace.acquire), also_early.run(pace.acquire)]
        early.run(lambda: pace.on_throttle(1.0))
        assert pace.limit == 4
        also_early.run(lambda: pace.on_throttle(1.0))  # sent at the old pace: the halving already answered it
        assert pace.limit == 4 and pace.throttled == 2
        started = clock.now()
        late_ticket = late.run(pace.acquire)
        assert clock.now() - started == pytest.approx(1.0)  # it started once the Retry-After had passed
        late.run(lambda: pace.on_throttle(1.0))  # sent at the new pace, and throttled still
        assert pace.limit == 2
        early.run(lambda: pace.release(tickets[0]))
        also_early.run(lambda: pace.release(tickets[1]))
        late.run(lambda: pace.release(late_ticket))
    finally:
        for worker in (early, also_early, late):
            worker.stop()
