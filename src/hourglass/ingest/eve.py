"""Suricata EVE JSON (``eve.json``): one JSON object per event, nested by protocol.

Every event has ``timestamp``, ``event_type`` (``flow``, ``alert``, ``dns``, ``http``, ``tls``,
``fileinfo``, ``anomaly``, ``stats`` ...) and, for network events, the 5-tuple ``src_ip``,
``src_port``, ``dest_ip``, ``dest_port``, ``proto``; the protocol's own fields are a nested
object (``flow.bytes_toserver``, ``dns.rrname``, ``tls.sni`` ...), read as dotted columns like
any nested JSON. The format adds what the field names alone do not say:

* ``timestamp`` is the event time (alerts carry it; per-day alert budgets count events by it);
* identifiers and times inside the event are not features: ``flow_id``, ``pcap_cnt``,
  ``tx_id``, ``parent_id``, ``community_id``, ``flow.start``/``flow.end`` (``flow.age`` has
  the duration);
* codes are categories, not magnitudes: ``alert.signature_id``, ``alert.gid``, ``alert.rev``,
  ``alert.severity``, ICMP types and codes, ``http.status``, and the TCP and DNS flags Suricata
  writes in hex (``tcp.tcp_flags``: ``"12"`` is SYN+ACK, not twelve; ``dns.flags``);
* TLS fingerprints (``tls.ja3.hash`` ...) are hashed into a fixed number of features (a new
  client's fingerprint is a new value, not a new column);
* the sensor's own ``stats`` events (hundreds of nested counters, no 5-tuple) describe the
  sensor, not the network: their fields are left out (read the file with ``--format jsonl`` to
  model them); a model that never learnt the ``stats`` event type warns, once, when its data
  holds such events (each scores as an anomaly: see ``Pipeline.transform``).

Examples
--------
>>> looks_like_eve(b'{"timestamp": "2026-01-01T00:00:00.000000+0000", "event_type": "flow"}\\n')
True
>>> SURICATA_EVE.time_col, SURICATA_EVE.roles["flow_id"], SURICATA_EVE.roles["tls.ja3.hash"]
('timestamp', 'drop', 'hash')
"""

from __future__ import annotations

import logging
import os
from collections.abc import Collection, Iterator

import pandas as pd

from hourglass.ingest.datasets import DatasetSpec, fields_found
from hourglass.ingest.tables import CHUNK_BYTES, ReadStats, cut_top_keys, first_json_object

__all__ = ["EVE_ROLES", "SENSOR_EVENT", "SURICATA_EVE", "looks_like_eve"]

_log = logging.getLogger("hourglass")

#: Column roles of the EVE fields whose names do not say how to read them.
EVE_ROLES: dict[str, str] = {
    **{c: "drop" for c in ("timestamp", "flow_id", "pcap_cnt", "tx_id", "parent_id", "community_id",
                           "flow.start", "flow.end", "netflow.start", "netflow.end", "dns.id",
                           "dns.tx_id", "tls.notbefore", "tls.notafter", "tls.serial",
                           "fileinfo.file_id", "fileinfo.tx_id")},
    **{c: "categorical" for c in ("event_type", "proto", "app_proto", "alert.signature_id",
                                  "alert.gid", "alert.rev", "alert.severity", "icmp_type",
                                  "icmp_code", "response_icmp_type", "response_icmp_code",
                                  "http.status", "dns.rrtype", "dns.rcode",
                                  # bit flags written in hex ("12": SYN+ACK, "8180"), not numbers
                                  "tcp.tcp_flags", "tcp.tcp_flags_ts", "tcp.tcp_flags_tc", "dns.flags")},
    **{c: "hash" for c in ("tls.ja3.hash", "tls.ja3s.hash", "tls.ja4", "tls.fingerprint",
                           "ssh.client.hassh.hash", "ssh.server.hassh.hash")},
    **{c: "port" for c in ("src_port", "dest_port")},
    **{c: "ip" for c in ("src_ip", "dest_ip")},
}
#: the ``event_type`` of the sensor's own counters (not a network event)
SENSOR_EVENT = "stats"
_SENSOR = f"{SENSOR_EVENT}."  # the sensor's counters: fields of the 'stats' event type


def looks_like_eve(head: bytes) -> bool:
    """Whether a file's first bytes are Suricata EVE JSON lines: the first object has
    ``timestamp``, as text (Suricata writes ISO 8601: a Duo authentication log's ``timestamp`` of
    epoch seconds beside its ``event_type`` is no EVE event), and ``event_type``; a first event
    longer than ``head`` (a payload of many kilobytes) is one when its top-level keys before the
    cut include them.

    Examples
    --------
    >>> looks_like_eve(b'{"ts": 1.0, "uid": "C1"}\\n'), looks_like_eve(b"a,b\\n1,2\\n")
    (False, False)
    >>> looks_like_eve(b'{"event_type": "authentication", "timestamp": 1772438460}\\n')
    False
    """
    obj = first_json_object(head)
    if obj is None:  # a first event longer than head (a large payload): its keys before the cut
        return {"timestamp", "event_type"} <= cut_top_keys(head)
    return isinstance(obj.get("timestamp"), str) and "event_type" in obj


class _EveSpec(DatasetSpec):
    def iter_chunks(self, path: str | os.PathLike[str], *, on_bad_rows: str = "error",
                    chunk_bytes: int = CHUNK_BYTES, stats: ReadStats | None = None,
                    used: Collection[str] | None = None) -> Iterator[pd.DataFrame]:
        """The file's chunks, refused where its first event has neither ``timestamp`` nor
        ``event_type`` (another kind of file) or no event has one of them, whatever
        ``chunk_bytes`` (:func:`~hourglass.ingest.datasets.fields_found`)."""
        yield from fields_found(super().iter_chunks(path, on_bad_rows=on_bad_rows, chunk_bytes=chunk_bytes,
                                                    stats=stats, used=used),
                                path, ("timestamp", "event_type"), "a Suricata EVE file")

    def normalise(self, df: pd.DataFrame) -> pd.DataFrame:
        sensor = [c for c in df.columns if str(c).startswith(_SENSOR)]
        if not sensor:
            return df
        _log.info("left out %d field(s) of Suricata 'stats' events (%s, ...): sensor counters, "
                  "not network events", len(sensor), sensor[0])
        return df.drop(columns=sensor)


#: Suricata's EVE JSON log (``eve.json``).
SURICATA_EVE = _EveSpec(
    name="suricata-eve", columns=None, label_col=None, normal=(), fmt="jsonl", roles=EVE_ROLES,
    sniffer=looks_like_eve, time_col="timestamp",
    description="Suricata EVE JSON (eve.json: flow, alert, dns, http, tls ... events)")
