"""Run in a child process by the tests: resume a demo run and SIGKILL this process as soon as the
step NAME has recorded OUTPUT (nothing is flushed, nothing closed: what a power cut or an OOM kill
leaves). Usage: python -m tests.security.kill_mid_run STATE_DIR RUN_ID STEP OUTPUT"""

import os
import signal
import sys

from wizard.config import resolve
from wizard.session import open_session


def main(state_dir: str, run_id: str, step_name: str, output: str) -> None:
    session = open_session(resolve(demo=True), state_dir=state_dir, speed=100000.0)
    run = session.journal.load(run_id)
    session.check_resumable_here(run)
    step = run.plan.step(step_name)

    def kill_when_recorded() -> bool:
        if output in step.outputs:
            os.kill(os.getpid(), signal.SIGKILL)
        return False

    session.runner(run, confirm=lambda s: True, should_cancel=kill_when_recorded).run()
    sys.exit("the run ended before the step recorded its output")


if __name__ == "__main__":
    main(*sys.argv[1:])
