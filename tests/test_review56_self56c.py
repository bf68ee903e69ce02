"""Review round 56 (self56c): the log changes of this round (rules 3 masks, runs, BOMs, windows)."""
from __future__ import annotations

from hourglass.ingest.logs import LogParser


def test_rules3_id_or_uuid_inside_a_path_stays_part_of_the_path() -> None:
    # What was wrong: the rules-3 <ID> and <UUID> masks ran before <PATH> and matched inside a
    # path, splitting it: '/tmp/hadoop/attempt_..._0/file.out' became '<PATH><ID>/file.out' (the
    # file name left in the template, a template per file; the path's value cut in two), where
    # rules 2 gave one '<PATH>'. They now run after <PATH>, as the path is one value.
    p = LogParser("raw")
    assert p.mask("Copying /tmp/hadoop/attempt_1445144423722_0020_m_000000_0/file.out to disk") \
        == "Copying <PATH> to disk"
    assert p.mask("Opened /var/lib/nova/instances/123e4567-e89b-12d3-a456-426614174000/disk ok") \
        == "Opened <PATH> ok"
    # outside a path they are masked as before
    assert p.mask("Launching attempt_1445144423722_0020_m_000000_0 on host") == "Launching <ID> on host"
    assert p.mask("instance 123e4567-e89b-12d3-a456-426614174000 spawned") == "instance <UUID> spawned"
    lines = [f"Reading /user/root/.staging/job_1445144423722_00{i:02d}/job{i}.xml now" for i in range(6)]
    parsed = p.fit(lines).parse(lines)
    assert parsed["key"].nunique() == 1
    assert LogParser.parameters(parsed["template"].iloc[0], lines[3]) \
        == ["/user/root/.staging/job_1445144423722_0003/job3.xml"]


_ISO = r"^(?P<timestamp>\S+ \S+) (?P<level>\w+) (?P<content>.*)$"


def test_a_window_model_saved_before_rules_3_keeps_the_line_order_it_was_trained_on() -> None:
    # What was wrong: time-window sessions of a raw log were put in time order (159eddc0) for
    # every model, those saved before too: a model trained (rules 1 or 2) on a log whose lines
    # go back in time learnt its windows' sequences in line order ([1, 2, 3, 4]) and was now
    # given them in time order ([2, 4, 1, 3]), other sequences and scores than it gave. A model
    # saved with rules 1 or 2 keeps the lines' order; new models (rules 3) order by time.
    from hourglass.features.sessions import EventSessions

    events = []
    for w in range(4):  # each 60 s window's four steps written out of time order
        for i, s in zip((2, 0, 3, 1), ("write", "open", "close", "read"), strict=True):
            events.append((w * 60 + 5 + 10 * i, f"{s} file {w}"))
    lines = [f"1970-01-01 00:{t // 60:02d}:{t % 60:02d} INFO {msg}" for t, msg in events]

    def firsts(pre: EventSessions) -> list[list[str]]:
        names = pre.templates()
        return [[names[k].split()[0] for k in s.tolist()] for s in pre.sessions(lines).sequences]

    in_lines = [["write", "open", "close", "read"]] * 4
    for rules in (1, 2):
        old = EventSessions(format=_ISO, window=60, rules=rules).fit(lines)
        state = old.to_dict()
        if rules == 1:
            del state["params"]["rules"]  # saved before the setting existed
        assert firsts(EventSessions.from_dict(state)) == in_lines
    new = EventSessions(format=_ISO, window=60).fit(lines)
    assert firsts(EventSessions.from_dict(new.to_dict())) == [["open", "read", "write", "close"]] * 4


def test_rules3_id_mask_is_linear_on_a_word_of_many_underscore_parts() -> None:
    # What was wrong: the rules-3 <ID> mask '...(?:_[A-Za-z]*\d[A-Za-z\d]*)+(?:_\w+)*(?![\w\-])'
    # could match a word's '_' parts in exponentially many ways ('_\w+' takes '_' too): a word of
    # n parts before a '-' ('x_1_a_a..._a-z') was tried in 2**n ways, 0.08 s at n=20, doubling
    # each part (a line a client or an attacker writes could hold a parser, or the service, for
    # hours). The pattern now has one way to match a text, with the same matches.
    import time

    p = LogParser("raw")
    t = time.thread_time()
    assert p.mask("user x_1" + "_a" * 24 + "-z done") == "user x_1" + "_a" * 24 + "-z done"
    assert p.mask("user x" + "_1" * 24 + "-z done") == "user x" + "_1" * 24 + "-z done"
    assert time.thread_time() - t < 1.0
    # the same matches as before
    assert p.mask("a_1Z_a1_9_ ok") == "<ID> ok"
    assert p.mask("attempt_201706092018_0024_m_000004_1026: Committed") == "<ID>: Committed"
    assert p.mask("job_a_1 rdd_42_32 x_1_ t_1-z") == "job_a_1 <ID> x_1_ t_1-z"
