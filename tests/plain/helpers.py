import io
from unittest import mock

from prompt_toolkit.output import DummyOutput

from wizard import plain
from wizard.diagnose import scan
from wizard.plain import run_plain

DOWN, UP, ENTER, CTRL_C = "\x1b[B", "\x1b[A", "\r", "\x03"
YES, NO = "y" + ENTER, "n" + ENTER


def image_index(session, key_id):
    """(index of the image in the plain-mode list, index preselected there)."""
    results = scan(session.clients)
    ids = [d.image_id for d in results]
    default = next((i for i, d in enumerate(results) if d.affected), 0)
    return ids.index(key_id), default


def move(session, image_id):
    """The arrow keys that take the image list from its default to ``image_id``."""
    target, default = image_index(session, image_id)
    return DOWN * (target - default) if target >= default else UP * (default - target)


def drive_keys(session, keys, answers, stream=None, **kw):
    """Run plain mode with questionary prompts fed through a pipe input: ``answers[i]`` is what the
    person types at the i-th prompt, sent once that prompt has discarded what was typed before it (as
    a person types after reading the question). After the last answer the input ends."""
    stream = stream if stream is not None else io.StringIO()
    pending = list(answers)
    discard = plain.discard_pending_input

    def discard_then_type(prompt_input):
        discard(prompt_input)
        if pending:
            prompt_input.send_text(pending.pop(0))
        else:
            prompt_input.close()

    with mock.patch.object(plain, "discard_pending_input", discard_then_type):
        code = run_plain(session, prompt_input=keys, prompt_output=DummyOutput(), stream=stream, **kw)
    return code, stream.getvalue()


def drive_lines(session, lines, stream=None, **kw):
    """Run plain mode as when standard input is not a terminal: one answer per line."""
    stream = stream if stream is not None else io.StringIO()
    stdin = io.StringIO("".join(line + "\n" for line in lines))
    code = run_plain(session, stream=stream, stdin=stdin, **kw)
    return code, stream.getvalue()
