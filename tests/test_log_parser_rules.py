"""The parser's rules since ``rules=2`` (kept by ``rules=3``): masks for bare hex ids and
numbered names, a token holding a mask is a value in Drain's prefix tree, parameters count as
alike while learning; a parser saved before (no ``rules`` in its state) keeps the old masks,
rules and settings."""

from __future__ import annotations

import json

import pytest

from hourglass.features.sessions import EventSessions
from hourglass.ingest.logs import LEGACY_MASKS, RULES, LogParser

HOSTS = ("www.google.com", "img.baidu.com", "play.google.com", "get.sogou.com", "a.example.org")
PROXY = [f"{h}:{443 + i % 3} open through proxy proxy.example.edu:5070 HTTPS"
         for i, h in enumerate(HOSTS * 4)]
OTHER = [f"session opened for user u{i} by (uid={i})" for i in range(5)]


IAR = ["iar 003a90fc dear 00b360e8", "iar 003a90dc dear 00b35148", "iar 00106210 dear 0244c1dc",
       "iar 00106570 dear 00b3f2a4", "iar 003a90fc dear 02234567", "iar 0023ab18 dear 00106570"]


def test_masks_of_bare_hex_ids_and_numbered_names() -> None:
    p = LogParser("raw")
    assert p.mask("iar 003a90fc dear 00b360e8 req 113d3a99c3da401fbd62cc2caa5b96d2") == \
        "iar <HEX> dear <HEX> req <HEX>"
    assert p.mask("generating core.2275 rotated messages.3") == "generating core.<NUM> rotated messages.<NUM>"
    # words, decimal numbers, versions and hex inside a longer name stay as they are
    kept = "deadbeef accepted TLSv1.2 v6.1 amd64_x_31bf3856ad364e35 abc1234"
    assert p.mask(kept) == kept and p.mask("size 67108864") == "size <NUM>"
    assert LogParser("raw", rules=1).mask("iar 003a90fc core.2275") == "iar 003a90fc core.2275"


def test_a_short_event_with_several_values_stays_one_template() -> None:
    p = LogParser("raw").fit(IAR)
    assert list(p.templates().values()) == ["iar <*> dear <*>"]
    old = LogParser("raw", masks=LEGACY_MASKS, rules=1, sim_th=0.7).fit(IAR)
    assert len(old.templates()) > 1  # 'iar <*> dear <*>' is 2/4 alike at best: a new template


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
    assert (d["params"]["rules"], d["params"]["depth"], d["params"]["sim_th"]) == (RULES, 5, 0.7)
    q = LogParser.from_dict(d)
    assert q.parse(PROXY)["key"].tolist() == p.parse(PROXY)["key"].tolist()


def test_a_parser_saved_before_the_rules_setting_scores_as_it_did() -> None:
    old = LogParser("raw", sim_th=0.5, depth=4, rules=1).fit(PROXY + OTHER + IAR)
    state = json.loads(json.dumps(old.to_dict()))
    del state["params"]["rules"]  # what an older hourglass wrote
    q = LogParser.from_dict(state)
    assert (q.rules, q.depth, q.sim_th) == (1, 4, 0.5)
    assert q.mask(IAR[0]) == IAR[0]  # the old masks: no bare hex
    new = [f"{h}:80 open through proxy proxy.example.edu:5070 HTTPS" for h in ("z.io", *HOSTS)]
    new += ["iar 0badf00d dear 00000001", *IAR]
    assert q.parse(new)["key"].tolist() == old.parse(new)["key"].tolist()
    assert q.parse(new)["key"].tolist()[0] == 0  # a host it never saw was a branch it never had
    assert q.templates() == old.templates()


def test_a_saved_session_model_keeps_its_parser_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    def old_parser(self: EventSessions) -> LogParser:
        return LogParser(self.format, masks=self.masks, sim_th=self.sim_th, depth=self.depth,
                         strict=self.strict, rules=1)

    lines = [f"{line} s{i % 3}" for i, line in enumerate(PROXY + OTHER + IAR)]

    with monkeypatch.context() as m:
        m.setattr(EventSessions, "_parser", old_parser)
        pre = EventSessions(format="raw", session_regex=r"s\d", sim_th=0.5, depth=4).fit(lines)
    state = json.loads(json.dumps(pre.to_dict()))
    del state["parser"]["params"]["rules"]
    state["params"].pop("rules", None)  # nor did the session preprocessing's own params
    back = EventSessions.from_dict(state)
    assert back.parser_ is not None and back.parser_.rules == 1
    assert [s.tolist() for s in back.transform(lines)] == [s.tolist() for s in pre.transform(lines)]
    # a re-fit of the loaded (old) preprocessing parses by the old rules too, not a mix
    assert back.rules == 1 and back._parser().rules == 1
    assert EventSessions().rules == RULES and EventSessions()._parser().rules == RULES


def test_rules_must_be_known() -> None:
    with pytest.raises(ValueError, match="rules must be 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 or 11"):
        LogParser("raw", rules=12).fit(PROXY)


def test_masks_skipped_for_lack_of_their_text_give_the_full_result() -> None:
    # a built-in mask runs only on a message holding text it needs ('blk_', '/', '0x', '.'):
    # the result must be what every mask applied in order gives
    lines = ["Receiving blk_-42 src: /10.0.0.1:50010 dest: /10.0.0.2:50010",
             "core.2275 generated at 0x1f3A by 003a90fcaa11 in /usr/lib/x.so",
             "plain words only", "a.b.c 1.2.3 v1.2 x.5 /tmp /a/b/ 0X7f", "10.0.0.256 blk_x 12ab34cd56",
             "no digit /usr/lib/x.so deadbeefcafe", "\u0663\u0664 Arabic-Indic digits 0x\u0661",
             "Launching attempt_1445144423722_0020_m_000000_0 for rdd_42_32",
             "instance 96443913-049b-41f6-9049-05fc7a1b2c3d, abcdefab-abcd-abcd-abcd-abcdefabcdef",
             'time="2026-12-01T10:00:00.5+01:00" at 2026-12-01 10:00:00,123 on 2026-12-01.',
             "took 15ms, 2m30s and 150\u00b5s for 512Mi of 8000000kB (x86 v2)"]
    for rules in (1, 2, 3, 4, 6, 7):
        parser = LogParser("raw", rules=rules)
        compiled = parser._compile()
        assert any(text is not None or digits for _, _, text, digits in compiled.plan)
        for line in lines:
            full = line
            for name, rx in compiled.masks:
                full = rx.sub(f"<{name}>", full)
            assert parser.mask(line) == full, (rules, line)


def test_the_learning_similarity_counts_as_its_definition_says() -> None:
    # equal places that are not parameters, plus the template's parameters, over its length
    # (written with C-level counting: checked here against the plain definition)
    import random

    from hourglass.ingest.logs import _seq_distance

    param = "<*>"

    def plain(template: list[str], tokens: list[str]) -> tuple[float, int]:
        if not template:
            return 1.0, 0
        params = sum(1 for t in template if t == param)
        same = sum(1 for a, b in zip(template, tokens, strict=True) if a == b and a != param)
        return (same + params) / len(template), params

    distance, rng, words = _seq_distance(param), random.Random(0), ["a", "b", param, "c"]
    for _ in range(5000):
        n = rng.randint(0, 6)
        template, tokens = [rng.choice(words) for _ in range(n)], [rng.choice(words) for _ in range(n)]
        assert distance(template, tokens, False) == plain(template, tokens), (template, tokens)


def test_a_user_mask_named_with_a_digit_keeps_later_masks_running() -> None:
    # '<1>' puts a digit into a message that had none: the number mask after it must still run
    from hourglass.ingest.logs import DEFAULT_MASKS

    parser = LogParser("raw", masks=(("1", r"foo"), *DEFAULT_MASKS))
    assert parser.mask("foo bar") == "<<NUM>> bar"
