"""The WSGI application the fault tests serve with gunicorn (``tests.api.faultserver:application``).

Liaison's own application with one test-only fault: while the file ``$FAULT_DIR/hold``
exists, the next ticket registration or transition (or deputy suggestion submission or step)
claims it and, once its transaction has committed, writes ``$FAULT_DIR/held`` and holds its worker ``$FAULT_HOLD_SECONDS``
(30): the moment between "the work committed" and "the response reached the client",
where the test kills the worker or lets gunicorn's timeout kill it."""

import os
import time
from pathlib import Path

from django.db import transaction

from liaison.wsgi import application  # noqa: F401  (sets Django up)
from suggestions import services

FAULT_DIR = Path(os.environ["FAULT_DIR"])


def _hold() -> None:
    (FAULT_DIR / "held").touch()
    time.sleep(float(os.environ.get("FAULT_HOLD_SECONDS", "30")))


def _held_after_commit(service):
    def run(**kwargs):
        result = service(**kwargs)
        try:
            (FAULT_DIR / "hold").unlink()
        except FileNotFoundError:
            return result
        transaction.on_commit(_hold)
        return result

    return run


services.ticket_register = _held_after_commit(services.ticket_register)
services.ticket_transition = _held_after_commit(services.ticket_transition)

# the motions API's writes (helper h19): a suggestion's submission and its steps
from motions import services as motions_services  # noqa: E402

motions_services.suggestion_submit = _held_after_commit(motions_services.suggestion_submit)
motions_services.suggestion_transition = _held_after_commit(motions_services.suggestion_transition)
