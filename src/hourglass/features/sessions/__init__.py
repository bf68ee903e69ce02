"""Log events → sessions: integer key sequences, one per block id / column value / time window.

:class:`EventSessions` is the preprocessing of the ``events`` detectors (``output = "events"``):
it parses raw log lines with :class:`~hourglass.ingest.logs.LogParser` (or reads DeepLog
key-sequence files with ``format="keys"``) and groups the events into sessions. Its fitted state
(the template tree) is plain JSON inside the model artefact.

Modules: ``grouping`` (:class:`SessionGrouper`, :func:`group_events`, :class:`Sessions`),
``keys`` (:func:`read_key_sequences`, :func:`count_vectors`), ``tables`` (event-table input),
``events`` (:class:`EventSessions`) and ``live`` (:class:`LiveSessions`, :func:`line_events`: the
bounded state of a live log's sessions, for streaming).
"""

from hourglass.features.sessions.events import EventSessions
from hourglass.features.sessions.grouping import SessionGrouper, Sessions, group_events
from hourglass.features.sessions.keys import count_vectors, read_key_sequences
from hourglass.features.sessions.live import LiveSessions, line_events

__all__ = ["EventSessions", "LiveSessions", "SessionGrouper", "Sessions", "count_vectors",
           "group_events", "line_events", "read_key_sequences"]
