"""The parser's default rules: a token holding a mask is a value in Drain's prefix tree, and a
parser saved before that rule (no ``rules`` in its state) keeps the old defaults."""

from __future__ import annotations

import json

import pytest

from hourglass.features.sessions import EventSessions
from hourglass.ingest.logs import LogParser

HOSTS = ("www.google.com", "img.baidu.com", "play.google.com", "get.sogou.com", "a.example.org")
PROXY = [f"{h}:{443 + i % 3} open through proxy proxy.example.edu:5070 HTTPS"
         for i, h in enumerate(HOSTS * 4)]
OTHER = [f"session opened for user u{i} by (uid={i})" for i in range(5)]


def test_a_host_with_a_port_is_a_value_not_a_tree_branch() -> None:
    p = LogParser("raw").fit(PROXY)
    assert list(p.templates().values()) == ["<*> open through proxy proxy.example.edu:<NUM> HTTPS"]
    assert p.mask(PROXY[0]).startswith("www.google.com:<NUM> open")  # the mask itself is unchanged
    old = LogParser("raw", rules=1).fit(PROXY)  # masking took the digits away: a group per host
    assert len(old.templates()) == len(HOSTS)


def test_other_events_stay_apart_and_unknown_lines_are_unknown() -> None:
    p = LogParser("raw").fit(PROXY + OTHER)
    assert len(p.templates()) == 2
    keys = p.parse(["x.y.net:8080 open through proxy proxy.example.edu:5070 HTTPS",
                    "session opened for user bob by (uid=7)", "disk full on sda1"])["key"].tolist()
    assert keys[0] != keys[1] and keys[2] == 0


def test_new_parsers_record_their_rules_in_the_saved_state() -> None:
    p = LogParser("raw").fit(PROXY)
    d = json.loads(json.dumps(p.to_dict()))
    assert d["params"]["rules"] == 2 and d["params"]["depth"] == 5
    q = LogParser.from_dict(d)
    assert q.parse(PROXY)["key"].tolist() == p.parse(PROXY)["key"].tolist()


def test_a_parser_saved_before_the_rules_setting_scores_as_it_did() -> None:
    old = LogParser("raw", depth=4, rules=1).fit(PROXY + OTHER)
    state = json.loads(json.dumps(old.to_dict()))
    del state["params"]["rules"]  # what an older hourglass wrote
    q = LogParser.from_dict(state)
    assert q.rules == 1 and q.depth == 4
    new = [f"{h}:80 open through proxy proxy.example.edu:5070 HTTPS" for h in ("z.io", *HOSTS)]
    assert q.parse(new)["key"].tolist() == old.parse(new)["key"].tolist()
    assert q.parse(new)["key"].tolist()[0] == 0  # a host it never saw was a branch it never had
    assert q.templates() == old.templates()


def test_a_saved_session_model_keeps_its_parser_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    def old_parser(self: EventSessions) -> LogParser:
        return LogParser(self.format, masks=self.masks, sim_th=self.sim_th, depth=self.depth,
                         strict=self.strict, rules=1)

    lines = [f"{line} s{i % 3}" for i, line in enumerate(PROXY + OTHER)]
    with monkeypatch.context() as m:
        m.setattr(EventSessions, "_parser", old_parser)
        pre = EventSessions(format="raw", session_regex=r"s\d", depth=4).fit(lines)
    state = json.loads(json.dumps(pre.to_dict()))
    del state["parser"]["params"]["rules"]
    back = EventSessions.from_dict(state)
    assert back.parser_ is not None and back.parser_.rules == 1
    assert [s.tolist() for s in back.transform(lines)] == [s.tolist() for s in pre.transform(lines)]


def test_rules_must_be_known() -> None:
    with pytest.raises(ValueError, match="rules must be 1 or 2"):
        LogParser("raw", rules=3).fit(PROXY)
