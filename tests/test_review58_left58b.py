"""Review 58 (left58b): the small items other reviewers noticed and left alone."""

from __future__ import annotations

import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.features.sessions.grouping import SessionGrouper, group_events

MAC = r"([0-9a-f]{2}:){5}[0-9a-f]{2}"


def test_session_regex_with_a_repeated_group_is_refused() -> None:
    # What was wrong: --session-regex '([0-9a-f]{2}:){5}[0-9a-f]{2}' (a MAC) grouped lines by
    # the capturing group's text, its last repetition ('44:'), silently: every MAC ending in
    # the same byte pair before the last was one session. The README said nothing of which
    # group is the id. Now such a group is refused, naming (?:...).
    ev = pd.DataFrame({"key": [1, 2], "line": [1, 2],
                       "content": ["from 00:11:22:33:44:55", "from aa:bb:cc:dd:44:ff"]})
    with pytest.raises(InputError, match=r"capturing group repeats.*\(\?:\.\.\.\)"):
        SessionGrouper(session_regex=MAC)
    ids, _, _, _ = group_events(ev, session_regex=MAC.replace("(", "(?:", 1))
    assert ids == ["00:11:22:33:44:55", "aa:bb:cc:dd:44:ff"]            # the whole match
    ids, _, _, _ = group_events(ev, session_regex=r"from (\S+)")      # one group: its text
    assert ids == ["00:11:22:33:44:55", "aa:bb:cc:dd:44:ff"]
    ids, _, _, _ = group_events(ev, session_regex=r"(\w\w:)?44:\w\w")  # optional, not repeated
    assert ids == ["33:", "dd:"]
