"""hourglass._logs.held_records: the calling thread's records held, other threads' logged."""

from __future__ import annotations

import logging
import threading

import pytest

from hourglass._logs import held_records
from hourglass.distributed.federated import _quiet


def _log_in_thread(name: str, text: str) -> None:
    t = threading.Thread(target=lambda: logging.getLogger(name).warning(text))
    t.start()
    t.join()


def test_this_threads_records_are_held_and_anothers_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("hourglass.thresholds")
    with caplog.at_level(logging.WARNING), held_records("hourglass.thresholds") as said:
        logging.getLogger("hourglass.thresholds.base").warning("held note")
        _log_in_thread("hourglass.thresholds.base", "another thread's note")
        with held_records("hourglass.thresholds") as inner:  # nested: the inner hold's own list
            logger.warning("inner note")
        logger.warning("outer note")
    assert [r.getMessage() for r in said] == ["held note", "outer note"]
    assert [r.getMessage() for r in inner] == ["inner note"]
    assert [r.getMessage() for r in caplog.records] == ["another thread's note"]
    assert logger.propagate and not any(type(h).__name__ == "_Holder" for h in logger.handlers)


def test_a_federated_quiet_block_mutes_its_own_thread_only(caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: _quiet set the loggers' level to CRITICAL for the whole process, so a
    # warning another thread logged under hourglass.thresholds meanwhile was lost.
    with caplog.at_level(logging.WARNING), _quiet("hourglass.thresholds", "hourglass.detectors.base"):
        logging.getLogger("hourglass.thresholds.base").warning("a placeholder's note")
        _log_in_thread("hourglass.thresholds.base", "another run's note")
    assert [r.getMessage() for r in caplog.records] == ["another run's note"]
    assert logging.getLogger("hourglass.thresholds").level == logging.NOTSET
