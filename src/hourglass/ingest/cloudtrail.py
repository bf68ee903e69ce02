"""AWS CloudTrail logs: the files CloudTrail delivers to S3 (one JSON document ``{"Records":
[event, ...]}``, gzip-compressed; several joined into one file, ``zcat *.json.gz``, too) and
JSON lines of one CloudTrail record each (``jq -c '.Records[]'``, CloudTrail Lake exports; from
EventBridge, the records under each event's ``detail``: ``jq -c .detail``). An EventBridge event
itself, and a digest file, are refused by name.

Each event is one row, nested objects as dotted columns (``userIdentity.type``,
``userIdentity.sessionContext.sessionIssuer.userName``, ``tlsDetails.tlsVersion``). What the
format adds to the field names:

* ``eventTime`` is the event time;
* the per-call ids (``eventID``, ``requestID``, ``sharedEventID``), access key ids (a new
  temporary key for every session), principal ids (an assumed role's carries the session's
  name; the ARNs say who) and the session's creation time are no features;
* ``requestParameters.*``, ``responseElements.*``, ``additionalEventData.*``,
  ``serviceEventDetails.*`` and ``resources`` are no features either: each API has its own
  (thousands of columns over a month of calls, most values unique: bucket keys, instance ids);
  ``eventSource`` + ``eventName`` say which call it was; but a sign-in's outcome, which only they
  hold (``responseElements.ConsoleLogin``: ``Failure``, without ``errorCode``;
  ``additionalEventData.MFAUsed``; IAM Identity Center's ``serviceEventDetails.CredentialVerification``
  ...: :data:`SIGN_IN_OUTCOMES`), is a category, and so are an S3 data event's fields that every
  object call has (:data:`S3_DATA_FIELDS`): the bytes it moved, numbers, and its bucket, hashed;
* calls, services, regions, account ids, identity types, error codes and TLS versions are
  categories; ARNs, user names and user agents, many-valued, are hashed; ``sourceIPAddress``
  is an address (an AWS service calling, ``ec2.amazonaws.com``, reads as no address);
* the record's own fields among those (``errorCode``, written only on a failed call,
  ``vpcEndpointId``, ``sessionCredentialFromConsole`` ...) are columns of every row, missing
  where a record has none: a baseline without failures still gives the model ``errorCode``.

Examples
--------
>>> looks_like_cloudtrail(b'{"Records":[{"eventVersion":"1.08","eventSource":"s3.amazonaws.com"')
True
>>> CLOUDTRAIL.time_col, CLOUDTRAIL.roles["eventName"], CLOUDTRAIL.roles["userAgent"]
('eventTime', 'categorical', 'hash')
"""

from __future__ import annotations

import codecs
import io
import json
import os
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from hourglass._eol import without_boms
from hourglass._limits import MAX_JSON_DEPTH, raw_decode_json
from hourglass.errors import InputError, read_problem
from hourglass.ingest.datasets import DatasetSpec, fields_found
from hourglass.ingest.jsondoc import _CHUNK_RECORDS, _json_kind, line_pages, with_columns
from hourglass.ingest.readers import check_path
from hourglass.ingest.tables import (
    CHUNK_BYTES,
    LONE_SURROGATE,
    READ_ERRORS,
    SKIP_BAD_ROWS,
    ReadStats,
    _records_frame,
    cut_top_keys,
    first_json_object,
    flatten_json,
    iter_table,
    no_lone_surrogates,
    open_lines,
    read_head,
)

__all__ = ["CLOUDTRAIL", "CLOUDTRAIL_ROLES", "S3_DATA_FIELDS", "SIGN_IN_OUTCOMES", "looks_like_cloudtrail"]

_RECORDS = re.compile(rb'^\s*\{\s*"Records"\s*:\s*\[')
_KEYS = {"eventVersion", "eventSource", "eventName"}  # the keys a CloudTrail record has
# those keys as text, in the 'detail' of an EventBridge event too long to parse whole
_CUT_KEYS = tuple(re.compile(rb'"%s"\s*:' % k.encode()) for k in sorted(_KEYS))
#: The objects of API-specific fields: no features (see the module's description).
API_OBJECTS = ("requestParameters.", "responseElements.", "additionalEventData.",
               "serviceEventDetails.")
#: The outcome of a sign-in, the one thing its record says of it, under those objects: a console
#: sign-in's (``ConsoleLogin``: ``responseElements.ConsoleLogin`` ``Success``/``Failure``, a failure
#: having no ``errorCode``; ``additionalEventData.MFAUsed`` ``Yes``/``No``) and an IAM Identity
#: Center sign-in's steps (``serviceEventDetails.CredentialVerification``, ``.CredentialChallenge``,
#: ``.UserAuthentication``): categories, so a burst of failed sign-ins is no run of successes
SIGN_IN_OUTCOMES = ("responseElements.ConsoleLogin", "additionalEventData.MFAUsed",
                    "serviceEventDetails.CredentialVerification",
                    "serviceEventDetails.CredentialChallenge", "serviceEventDetails.UserAuthentication")
#: What an S3 data event (``GetObject``, ``PutObject``, ``DeleteObject`` ..., ``eventCategory``
#: ``Data``) says of the data, under those objects, in every object call alike: the bytes it moved
#: (``additionalEventData.bytesTransferredOut``, ``In``: a mass download is many calls of ordinary
#: names, each moving far more than the baseline's), numbers, and the bucket, hashed (a call on a
#: bucket the principal never touched); the object ``key`` stays out (near-unique)
S3_DATA_FIELDS = {"additionalEventData.bytesTransferredOut": "numeric",
                  "additionalEventData.bytesTransferredIn": "numeric",
                  "requestParameters.bucketName": "hash"}
CLOUDTRAIL_ROLES: dict[str, str] = {
    **{c: "drop" for c in ("eventTime", "eventID", "requestID", "sharedEventID", "eventVersion",
                           "userIdentity.accessKeyId", "userIdentity.principalId",
                           "userIdentity.sessionContext.attributes.creationDate",
                           "requestParameters", "responseElements", "additionalEventData",
                           "serviceEventDetails", "resources", "errorMessage", "edgeDeviceDetails")},
    **{c: "categorical" for c in ("eventName", "eventSource", "awsRegion", "eventType",
                                  "eventCategory", "readOnly", "managementEvent", "errorCode",
                                  "recipientAccountId", "userIdentity.type", "userIdentity.accountId",
                                  "userIdentity.invokedBy",
                                  "userIdentity.sessionContext.attributes.mfaAuthenticated",
                                  "userIdentity.sessionContext.sessionIssuer.type",
                                  "userIdentity.sessionContext.sessionIssuer.accountId",
                                  "sessionCredentialFromConsole", "tlsDetails.tlsVersion",
                                  "tlsDetails.cipherSuite", "vpcEndpointId", *SIGN_IN_OUTCOMES)},
    **{c: "hash" for c in ("userIdentity.arn", "userIdentity.userName",
                           "userIdentity.sessionContext.sessionIssuer.arn",
                           "userIdentity.sessionContext.sessionIssuer.userName",
                           "userIdentity.sessionContext.sessionIssuer.principalId", "userAgent",
                           "tlsDetails.clientProvidedHostHeader")},
    "sourceIPAddress": "ip",
    **S3_DATA_FIELDS,
}
_DIGEST = {"digestStartTime", "digestEndTime", "logFiles"}  # the fields of a digest file
#: the fields every file of records has (one event without them is a row lacking them)
_REQUIRED = ("eventTime", "eventName")
#: The record's own (top-level) fields that are features, a column of every row, missing where a
#: record has none: CloudTrail writes ``errorCode`` only on a failed call, so a training baseline
#: without failures would give a model without it, and a burst of ``AccessDenied`` would be a
#: column the model was not trained on, ignored, instead of a value it never saw.
_ALWAYS = tuple(c for c, role in CLOUDTRAIL_ROLES.items()
                if role != "drop" and "." not in c and c not in _REQUIRED)


def looks_like_cloudtrail(head: bytes) -> bool:
    """Whether a file's first bytes are CloudTrail: a ``{"Records": [`` document, JSON lines
    whose first object has ``eventVersion``, ``eventSource`` and ``eventName``, or a digest file
    (``digestStartTime``, ``digestEndTime``, ``logFiles``).

    Examples
    --------
    >>> looks_like_cloudtrail(b'{"eventVersion": "1.08", "eventSource": "iam.amazonaws.com", '
    ...                       b'"eventName": "CreateUser"}\\n')
    True
    >>> looks_like_cloudtrail(b'{"eventName": "x"}\\n')
    False

    A first line longer than ``head`` (a large ``responseElements``; a digest of many log files)
    is looked at for its top-level keys before the cut (a record nested in another object, as an
    Elasticsearch ``_source``, is none; an EventBridge event's ``detail`` is looked at as text).

    A digest file and an EventBridge event are taken, and refused by name when read.
    """
    if _RECORDS.match(without_boms(head)):
        return True
    obj = first_json_object(head)
    if obj is None:  # a first line longer than head (a large responseElements): its top-level keys
        keys = cut_top_keys(head)
        if {"detail-type", "detail"} <= keys:  # an EventBridge event, its record under 'detail'
            return all(key.search(head) is not None for key in _CUT_KEYS)
        return _KEYS <= keys or _DIGEST <= keys
    # a digest file (CloudTrail-Digest/, beside the logs) is taken too, to be refused by name
    if isinstance(obj.get("detail"), dict) and "detail-type" in obj:
        obj = obj["detail"]  # an EventBridge event: taken, to be refused by name (jq -c .detail)
    return _KEYS <= obj.keys() or _DIGEST <= obj.keys()


_SPACE = re.compile(r"\s*")
#: Bytes read at a time from a file of ``{"Records": [...]}`` documents.
_BLOCK_BYTES = 1 << 22
#: A document longer than a block is read on to the end of a plain file at once where the rest
#: is at most this long (one S3 file of 100,000 records, 66 MB, parsed twice, not three times).
_WHOLE_REST = 1 << 28


class _BadJson(ValueError):
    """A document of a ``{"Records": [...]}`` file that is no valid JSON, at ``line`` (the
    ``problem`` naming the column on it where the parser stopped, as for JSON lines), or with
    ``nested`` valid JSON nested deeper than :data:`~hourglass._limits.MAX_JSON_DEPTH` levels
    (``problem`` says so: no JSON error, nor a file of another kind)."""

    def __init__(self, line: int, problem: str, *, nested: bool = False) -> None:
        super().__init__(f"line {line}: {problem}")
        self.line, self.problem, self.nested = line, problem, nested


class _BadBytes(UnicodeDecodeError):
    """Bytes that are no UTF-8, named by their offset ``at`` in the file (the decoder's own
    position is within the block read).

    Examples
    --------
    >>> str(_BadBytes(b"ab\\xff", 2, 3, 6000016, "invalid start byte"))
    "'utf-8' codec can't decode byte 0xff in position 6000016: invalid start byte"
    """

    def __init__(self, data: bytes, start: int, end: int, at: int, reason: str) -> None:
        super().__init__("utf-8", data, start, end, reason)
        self.at = at

    def __str__(self) -> str:
        n = self.end - self.start
        what = (f"byte 0x{self.object[self.start]:02x} in position {self.at}" if n == 1
                else f"bytes in position {self.at}-{self.at + n - 1}")
        return f"'{self.encoding}' codec can't decode {what}: {self.reason}"


def _documents(fh: Any, block: int | None = None) -> Iterator[tuple[int, Any]]:
    """The JSON documents of a binary file, one after the other (CloudTrail's files joined into
    one, ``zcat *.json.gz``: each a ``{"Records": [...]}``, with or without a line break
    between), each with the line it starts on, read ``block`` bytes (:data:`_BLOCK_BYTES`) at a
    time, so that memory holds one document, not the file. :class:`_BadJson` (naming the line
    and the column on it) where one is no valid JSON, :class:`_BadBytes` (a
    ``UnicodeDecodeError`` naming the byte's offset in the file) where the bytes are no UTF-8.

    Examples
    --------
    >>> import io
    >>> list(_documents(io.BytesIO(b'{"Records": [1]}{"Records": [2]}\\n{"Records": []}'), block=5))
    [(1, {'Records': [1]}), (1, {'Records': [2]}), (2, {'Records': []})]
    >>> list(_documents(io.BytesIO(b'[1]\\n[2] [3, x]'), block=5))
    Traceback (most recent call last):
    ...
    hourglass.ingest.cloudtrail._BadJson: line 2: Expecting value at column 9
    """
    decoder = json.JSONDecoder()
    utf8 = codecs.getincrementaldecoder("utf-8")()
    start = True  # no text but byte-order marks read yet
    block = block or _BLOCK_BYTES
    text, at, eof, want = "", 0, False, block
    line, counted = 1, 0  # the line of text[counted]
    column, read = 0, 0  # the characters of its line before text[0]; the bytes read

    def line_at(pos: int) -> int:
        nonlocal line, counted
        line, counted = line + text.count("\n", counted, pos), pos
        return line

    def column_at(pos: int) -> int:  # (1 the line's first character, as json counts)
        newline = text.rfind("\n", 0, pos)
        return pos - newline if newline >= 0 else column + pos + 1

    while True:
        at = _SPACE.match(text, at).end()  # type: ignore[union-attr]  # (\s* always matches)
        if at < len(text):
            try:
                document, end = raw_decode_json(decoder, text, at)
                if LONE_SURROGATE.search(text, at, end):  # (a pair too: kept as it is)
                    document = no_lone_surrogates(document)
            except json.JSONDecodeError as exc:
                # cut short by the block's end (the error at its last token), or no JSON at all
                short = exc.pos >= len(text) - 8 or exc.msg.startswith("Unterminated string")
                if eof or not short:
                    raise _BadJson(line_at(exc.pos), f"{exc.msg.removesuffix(' at')} at column "
                                                     f"{column_at(exc.pos)}") from None
            except RecursionError:  # arrays or objects ~1,000 deep (whole: the stack, not the block)
                raise _BadJson(line_at(at), f"JSON nested deeper than {MAX_JSON_DEPTH} levels",
                               nested=True) from None
            else:
                yield line_at(at), document
                at, want = end, block
                continue
        elif eof:
            return
        if len(text) - at >= block:  # a document longer than a block under way: each try parses
            rest = _rest_bytes(fh)  # it from its start; so the rest of a file of a few S3 files
            want = rest if rest is not None and rest <= _WHOLE_REST else 4 * want  # at once
        data = fh.read(want)
        eof = not data
        read += len(data)
        line_at(at)
        column = column_at(at) - 1
        try:
            decoded = utf8.decode(data, final=eof)
        except UnicodeDecodeError as exc:  # (its object: the bytes up to the block's end)
            offset = read - len(exc.object) + exc.start
            raise _BadBytes(exc.object, exc.start, exc.end, offset, exc.reason) from None
        text, at, counted = text[at:] + decoded, 0, 0
        if start:  # the file's byte-order marks, every one (a file saved twice has two)
            text = without_boms(text)
            start = not text


def _rest_bytes(fh: Any) -> int | None:
    """The bytes left to read in ``fh`` where it is a plain file (``None``: not known, gzip)."""
    if not isinstance(fh, io.BufferedReader):
        return None
    try:
        return max(os.fstat(fh.fileno()).st_size - fh.tell(), 1)
    except (OSError, ValueError):
        return None


@dataclass(frozen=True)
class _CloudTrailSpec(DatasetSpec):
    """CloudTrail: ``Records`` documents read one after the other (a chunk of records out at a
    time, not the file's), or JSON lines read in chunks; the API-specific objects left out."""

    def roles_for(self, columns: Any) -> dict[str, str]:
        """The format's roles of ``columns``: :attr:`roles`, and every field of the
        API-specific objects dropped."""
        out: dict[str, str] = {}
        for c in map(str, columns):
            if c in self.roles:
                out[c] = self.roles[c]
            elif c.startswith(API_OBJECTS):
                out[c] = "drop"
        return out

    def event(self, record: dict[str, Any]) -> dict[str, Any]:
        """A record as the format's row: the record (its fields are flattened as any JSON's), with
        each of its own fields that are features and that it lacks (``errorCode`` of a call that
        did not fail) as ``None``, as a file's rows have them; what makes the format one that
        ``stream`` and the service pass each JSON row through :meth:`expand`, as the file is read.

        Examples
        --------
        >>> row = CLOUDTRAIL.event({"eventName": "GetObject", "errorCode": None})
        >>> row["eventName"], row["errorCode"], row["vpcEndpointId"]
        ('GetObject', None, None)
        """
        absent = [c for c in _ALWAYS if c not in record]
        return {**record, **dict.fromkeys(absent)} if absent else record

    def refusal(self, record: dict[str, Any]) -> str | None:
        """Why ``record`` is no CloudTrail record though it comes as one (an EventBridge event,
        a digest file), named for a message; else ``None``.

        Examples
        --------
        >>> CLOUDTRAIL.refusal({"detail-type": "AWS API Call via CloudTrail", "detail": {}})
        "an EventBridge event (the CloudTrail record under 'detail'); give the records: jq -c .detail"
        >>> CLOUDTRAIL.refusal({"eventName": "GetObject"}) is None
        True
        """
        if isinstance(record.get("detail"), dict) and "detail-type" in record:
            return ("an EventBridge event (the CloudTrail record under 'detail'); give the records: "
                    "jq -c .detail")
        if _DIGEST <= record.keys():
            return ("a CloudTrail digest (the hashes of log files, under CloudTrail-Digest/), not a "
                    "log record")
        return None

    def expand(self, value: object) -> list[dict[str, Any]]:
        """The records of one JSON value of a stream's line or a service's row, as the file is
        read: a delivered file's ``{"Records": [...]}`` (``zcat CloudTrail/*.json.gz``: one file
        a line) gives its records, one record itself.

        Raises
        ------
        ValueError
            The value is no JSON object, its ``Records`` no list of objects, or it is an
            EventBridge event or a digest (:meth:`refusal`; the message says which).

        Examples
        --------
        >>> [r["eventName"] for r in CLOUDTRAIL.expand({"Records": [{"eventName": "A"}, {"eventName": "B"}]})]
        ['A', 'B']
        """
        if isinstance(value, dict) and "Records" in value:
            records = value["Records"]
            if not isinstance(records, list):
                raise ValueError(f"'Records' is no list ({_json_kind(records)})")
            for i, r in enumerate(records):
                if not isinstance(r, dict):
                    raise ValueError(f"Records[{i}] is no JSON object ({_json_kind(r)})")
            return [self.event(r) for r in records]
        if isinstance(value, list) and value and isinstance(value[0], dict):  # (jq -c .Records)
            raise ValueError("expected a JSON object, got an array of objects (send one object a line, "
                             "JSON lines: jq -c '.[]')")
        if not isinstance(value, dict):
            raise ValueError(f"expected a JSON object, got {_json_kind(value)}")
        problem = self.refusal(value)
        if problem is not None:
            raise ValueError(problem)
        return [self.event(value)]

    def page_rows(self, value: object) -> list[dict[str, Any]] | None:
        """The records of a JSON line that holds a delivered file (``{"Records": [...]}``) in a
        file of JSON lines, as :meth:`expand` gives them (an array, which the format never is,
        refused); ``None`` for one record."""
        if isinstance(value, list) or (isinstance(value, dict) and "Records" in value):
            return self.expand(value)
        return None

    def iter_chunks(self, path: str | os.PathLike[str], *, on_bad_rows: str = "error",
                    chunk_bytes: int = CHUNK_BYTES, stats: ReadStats | None = None,
                    used: Collection[str] | None = None) -> Iterator[pd.DataFrame]:
        p = check_path(path)
        yield from fields_found(self._chunks(p, on_bad_rows, chunk_bytes, stats), p, _REQUIRED,
                                "a CloudTrail log")

    def _chunks(self, p: Path, on_bad_rows: str, chunk_bytes: int,
                stats: ReadStats | None) -> Iterator[pd.DataFrame]:
        if not _RECORDS.match(without_boms(read_head(p, 4096))):  # one event a line
            first_chunk = True  # (a delivered file on a later line: its records, as stream reads
            # it; an EventBridge event or a digest after a record a bad line, as stream has it)
            for df in iter_table(p, fmt="jsonl", on_bad_rows=on_bad_rows, chunk_bytes=chunk_bytes,
                                 stats=stats, page=line_pages(self)):
                if first_chunk:
                    self.check(df, p)
                    first_chunk = False
                yield with_columns(df, _ALWAYS)
            return
        records: list[dict[str, Any]] = []
        n, first = 0, True
        try:
            with open_lines(p) as fh:  # (the Ctrl-Z that may end it left out)
                for line, document in _documents(fh):
                    n += 1
                    part = document.get("Records") if isinstance(document, dict) else None
                    of = f" of document {n}" if n > 1 else ""
                    if not isinstance(document, dict) or "Records" not in document:
                        # one record on a line of its own among the files, as stream reads that line
                        try:
                            part = self.expand(document)
                        except ValueError as exc:  # an EventBridge event, an array: named, as stream does
                            if on_bad_rows != "skip":
                                raise InputError(f"{p}: line {line}: {exc} (use {SKIP_BAD_ROWS} to "
                                                 "skip such lines)") from None
                            if stats is not None:
                                stats.skipped(line, at=stats.rows + len(records))
                            continue
                    if not isinstance(part, list):
                        raise InputError(f"{p}: line {line}: not a CloudTrail file: 'Records'{of} "
                                         "is no list")
                    for i, r in enumerate(part):
                        if isinstance(r, dict):
                            records.append(r)
                            if len(records) >= _CHUNK_RECORDS:  # a chunk's worth (in a document
                                yield self._frame(records, p, first, stats)  # too): out, not kept
                                records, first = [], False
                            continue
                        if on_bad_rows != "skip":
                            raise InputError(f"{p}: line {line}: Records[{i}]{of} is no JSON object (use "
                                             f"{SKIP_BAD_ROWS} to skip such records)")
                        if stats is not None:  # (its line: the document's, not its own)
                            stats.skipped(None, at=stats.rows + len(records))
        except InputError:
            raise
        except _BadJson as exc:  # (its line, as a folder's files read as one name theirs)
            what = exc.problem if exc.nested else f"not a CloudTrail file: not valid JSON ({exc.problem})"
            raise InputError(f"{p}: line {exc.line}: {what}") from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise InputError(f"{p}: not a CloudTrail file: not valid JSON ({exc})") from None
        except READ_ERRORS as exc:
            raise InputError(f"{p}: cannot read ({read_problem(exc)})") from None
        if records:
            yield self._frame(records, p, first, stats)

    def _frame(self, records: list[dict[str, Any]], p: Path, first: bool,
               stats: ReadStats | None) -> pd.DataFrame:
        """The records as a flat table (the first one checked)."""
        df = flatten_json(_records_frame(records))  # (64-bit ids kept exact, as JSON lines)
        if first:
            self.check(df, p)
        if stats is not None:
            stats.rows += len(df)
        return with_columns(df, _ALWAYS)

    def check(self, df: pd.DataFrame, path: str | os.PathLike[str]) -> None:
        if _DIGEST <= set(map(str, df.columns)):
            raise InputError(f"{path}: a CloudTrail digest file (the hashes of log files, under "
                             "CloudTrail-Digest/), not a log; give the files under CloudTrail/")
        if "detail-type" in df.columns and "detail.eventName" in df.columns:
            raise InputError(f"{path}: EventBridge events (the CloudTrail record under 'detail'); "
                             "give the records: jq -c .detail FILE > trail.jsonl")


#: AWS CloudTrail (``--format cloudtrail``).
CLOUDTRAIL = _CloudTrailSpec(
    name="cloudtrail", columns=None, label_col=None, normal=(), fmt="jsonl",
    roles=CLOUDTRAIL_ROLES, sniffer=looks_like_cloudtrail, time_col="eventTime",
    description="AWS CloudTrail: S3 files ({\"Records\": [...]}) or one event a line; the API-specific "
                "request parameters and response elements left out")
