"""Review 59 (self59c): regression tests of the defects found reviewing the round's parser-rules-6
commits (92881bf0..591dcc20) as a pull request."""

from __future__ import annotations


def test_a_date_whose_time_runs_on_is_still_masked() -> None:
    # What was wrong: the <TIME> mask made possessive (92881bf0, b3ff16bc) took a date-time's
    # parts whole and gave back nothing, so a date whose time part ran on into text it does not
    # take ('2026-12-01 10:00:00:123', a log4j 'HH:mm:ss:SSS'; '2026-12-01 12:30pm'; a range
    # '10:00:00-10:05:00') was no <TIME> at all: '<NUM>-12-01 <NUM>:<NUM>:<NUM>:<NUM>', the
    # month and day left as text, a template per day, where main before the round masked its
    # date ('<TIME> <NUM>:<NUM>:<NUM>:<NUM>'). Such a date is again a <TIME> on its own; a
    # whole date-time is still taken whole, none cut short before its seconds or fraction.
    from hourglass.ingest.logs import LogParser

    p = LogParser("raw")
    assert p.mask("at 2026-12-01 10:00:00:123 started") == "at <TIME> <NUM>:<NUM>:<NUM>:<NUM> started"
    assert p.mask("at 2026-12-01 12:30pm started") == "at <TIME> <NUM>:30pm started"
    assert p.mask("window 2026-12-01 10:00:00-10:05:00 x").startswith("window <TIME> ")
    # (as before: whole date-times, a colon ending a clause, none cut short, none running on)
    assert p.mask("2026-12-01 10:00:00,123: INFO ready") == "<TIME>: INFO ready"
    assert p.mask("at 2026-12-01T10:00:00.123Z: done") == "at <TIME>: done"
    assert p.mask("2026-12-01 10:00:00: x") == "<TIME>: x"
    # (both masked whole; with rules 8 a comma list of one kind is one value)
    assert p.mask("dates=2026-12-01,2026-12-02 ok") == "dates=<TIME> ok"
    assert LogParser("raw", rules=7).mask("dates=2026-12-01,2026-12-02 ok") == "dates=<TIME>,<TIME> ok"
    assert p.mask("v 2026-12-01-beta 2026-12-01T10:00:00:1") == \
        "v <NUM>-12-01-beta <NUM>-12-01T10:<NUM>:<NUM>:<NUM>"
    assert LogParser("raw", rules=5).mask("at 2026-12-01 10:00:00:123") == \
        "at <NUM>-12-01 <NUM>:<NUM>:<NUM>:<NUM>"  # (rules 5 as it did)


def test_an_ipv6_address_with_a_zone_keeps_the_full_stop_after_it() -> None:
    # What was wrong: rules 6 mask an IPv6 address before a full stop ending a sentence as '<IP>.'
    # (f671d14d: 'from 2001:db8::7.' -> 'from <IP>.'), but the zone after one ('%eth0', whose
    # name may hold a '.', 'eth0.5') took that full stop as part of its name: 'Received
    # disconnect from fe80::1%eth0.' masked to '... from <IP>', a token other than '<IP>.', so
    # the same line from a link-local client was a template of its own. The zone of rules 6
    # ends before such a full stop; a zone with a '.' inside is taken whole as before; rules 5
    # and before mask as they did.
    from hourglass.ingest.logs import LogParser

    p = LogParser("raw")
    assert p.mask("disconnect from fe80::1%eth0.") == "disconnect from <IP>."
    assert p.mask("disconnect from 2001:db8::7.") == "disconnect from <IP>."
    assert p.mask("from fe80::1%eth0.5. Bye") == "from <IP>. Bye"
    assert p.mask("from fe80::1%eth0.5 port 22") == "from <IP> port <NUM>"
    assert p.mask("from fe80::1%Eth0") == "from <IP>"
    assert LogParser("raw", rules=5).mask("from fe80::1%eth0.") == "from <IP>"  # (as it did)


def test_a_numbered_name_before_a_full_stop_is_masked() -> None:
    # What was wrong: rules 6 mask an address, a hex id or a number before a full stop ending a
    # sentence (c53e5a69 and this round's MAC, IPv6 and hex-id fixes; the ``rules`` docstring:
    # 'a number before a full stop ... is masked'), but the numbered-name mask ('core.2275',
    # 'messages.3' -> 'core.<NUM>') still refused any '.' after its number: 'wrote core.2275.'
    # kept it as text, a template per core file where 'wrote core.2275 ok' had one. Rules 6 mask
    # it; one running on ('messages.3.gz') is none as before; rules 5 as they did.
    from hourglass.ingest.logs import LogParser

    p = LogParser("raw")
    assert p.mask("generating core.2275.") == "generating core.<NUM>."
    assert p.mask("rotated messages.3. Next") == "rotated messages.<NUM>. Next"
    assert p.mask("rotated messages.3.gz") == "rotated messages.3.gz"
    assert p.mask("generating core.2275 now") == "generating core.<NUM> now"
    assert LogParser("raw", rules=5).mask("generating core.2275.") == "generating core.2275."
