"""The command bodies, one module per group of commands: ``start`` (the wizard and the demo),
``inspect`` (diagnose, scan), ``repair`` (run, resume), ``runs`` (runs, report), ``info`` (flowchart,
config show), ``serve`` (the wizard in a web browser; ``serve_session`` is one browser tab's process)
and ``sim`` (sim serve). :mod:`wizard.cli` parses the arguments and imports only the
module of the command that runs; each command takes an :class:`~wizard.commands.context.Invocation`
and returns the exit code."""

SERVE_SPEED = 60.0  # sim serve's default emulator speed (named in the parser's help, so not in commands.sim)
