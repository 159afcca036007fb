import contextlib
import subprocess
import sys
import textwrap

from wizard.diagnose import diagnose
from wizard.plan import build_plan
from wizard.questions import Answers


def inventory(clients):
    """What the project holds, read through the API (ids per resource type)."""
    return {
        "images": {i.id for i in clients.ims.list_images()},
        "vaults": {v.id for v in clients.cbr.list_vaults(object_type=None)},
        "cbr_backups": {b.id for b in clients.cbr.list_backups()},
        "csbs_backups": {b.id for b in clients.csbs.list_checkpoint_items()},
        "servers": {s.id for s in clients.ecs.list_servers()},
    }


def added(before, after):
    return {k: after[k] - before[k] for k in before if after[k] - before[k]}


def removed(before, after):
    return {k: before[k] - after[k] for k in before if before[k] - after[k]}


def start(session, image_id, **answers):
    d = diagnose(session.clients, image_id)
    a = Answers(**answers)
    plan = build_plan(session.clients, d, a)
    return session.new_run(image_id, d, a, plan)


def interrupt_during_backup(session, image_id, **answers):
    """A CBR run stopped (cancelled, resumable) once its backup is under way: it has made resources."""
    run = start(session, image_id, service="cbr", **answers)
    backup = run.plan.step("cbr_backup")
    return session.runner(run, confirm=lambda step: True, should_cancel=lambda: "checkpoint_id" in backup.state).run()


def repair(session, image_id, confirm=lambda step: True, **answers):
    run = start(session, image_id, **answers)
    return session.runner(run, confirm=confirm).run()


@contextlib.contextmanager
def world_held(state, doing="ecs-wizard demo, since 10:00:00"):
    """Another process holding the demo world of state directory ``state``, as a demo process does
    (``doing`` is what its lock says it is). Yields the child process; killed at the end, or earlier by
    the caller (the kernel then releases its lock, as for a SIGKILLed demo)."""
    code = textwrap.dedent(
        f"""
        import sys
        from wizard.journal import Journal
        from wizard.session import demo_world_lock_path
        from wizard.statedir import PidLock, private_dir
        private_dir(Journal({str(state)!r}).directory)
        lock = PidLock(demo_world_lock_path(Journal({str(state)!r})), {doing!r})
        assert lock.try_acquire() is None
        print("held", flush=True)
        sys.stdin.read()
        """
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "held"
        yield child
    finally:
        child.kill()
        child.wait()
