"""Regression tests of review round 60's own commits (not a helper's)."""
from __future__ import annotations

import random
import re

from hourglass.ingest import logs


def test_mail_id_pre_check_never_skips_a_line_holding_a_mail_id() -> None:
    # What was wrong: the mail-id pre-check (59593481) searched from every digit, which cost
    # HDFS's digit-heavy lines as much as the mask it spared; the cheaper pre-check must still
    # never pass over a message that the mask would change
    full = re.compile(logs._MAIL_ID)
    rng = random.Random(60)
    alphabet = "0123456789bcdfgzxyAEBCDZaeiouz-- .:_"
    ids = ["4dKmFW3h6Pz15qjQ", "3Pt2mN2VXxznjll", "jA9J1UvC004306", "wB1GQ0v3012345",
           "1tAbCd-000123-Ab", "1tAbCd-00000000123-Ab0x"]
    held = 0
    for _ in range(20000):
        s = "".join(rng.choice(alphabet) for _ in range(rng.randint(5, 40)))
        if rng.random() < 0.2:
            i = rng.randrange(len(s) + 1)
            s = s[:i] + rng.choice(("", " ")) + rng.choice(ids) + rng.choice(("", " ", ":")) + s[i:]
        if full.search(s):
            held += 1
            assert logs._mail_id_hint(s), s
    assert held > 1000  # the check saw ids, not only text without one
    for mail_id in ids:
        assert logs._mail_id_hint(f"{mail_id}: removed")
    assert not logs._mail_id_hint("Receiving block blk_-1608999687919862906 src: /10.250.19.102:54106")
