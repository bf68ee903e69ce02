"""Zero-padded IPv4 networks in suppression rules, the ensemble's percentile advice and entity
explanations' whole aggregates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hourglass.errors import InputError
from hourglass.serve.suppress import Condition, load_suppressions


# what was wrong: a cell '010.001.002.003' is the address 10.1.2.3 to the features and to a rule's
# networks, but a rule written the way that log pads its octets, '010.0.0.0/8' (or the address
# '010.001.002.003'), was refused as "not a valid IP address or network"
def test_rule_network_with_padded_octets_reads_decimal(tmp_path: Path) -> None:
    cells = np.array(["10.1.2.3", "010.001.002.003", "11.0.0.1", "8.1.2.3"], dtype=object)
    assert Condition.of(["010.0.0.0/8"], "x").test(cells).tolist() == [True, True, False, False]
    assert Condition.of(["010.001.002.003"], "x").test(cells).tolist() == [True, True, False, False]
    assert Condition.of(["008.0.0.0/8"], "x").test(cells).tolist() == [False, False, False, True]
    rules = tmp_path / "r.toml"
    rules.write_text('[[rule]]\nname = "lan"\nmatch = { src_ip = "010.000.000.000/8" }\n')
    assert load_suppressions(rules).rules[0].name == "lan"
    # still refused: an octet past 255, host bits set; the message quotes the rule as written
    for bad in ("300.0.0.0/8", "010.0.0.1/8"):
        with pytest.raises(InputError, match=repr(bad).replace(".", r"\.")):
            Condition.of([bad], "x")


# what was wrong: train --model ensemble on 1,000 rows warned "ensemble members autoencoder, ...:
# percentile 99 of 90 held-out normal scores ... (... --param validation_fraction=...)", but that
# option is the ensemble's own share: a larger one leaves the members fewer rows, so fewer held-out
# scores still; the member's share is set in its detectors entry
def test_member_percentile_warning_advises_the_members_share(caplog: pytest.LogCaptureFixture) -> None:
    from hourglass.cli._options import cli_advice
    from hourglass.detectors.ensemble import MEMBER_SHARE_ADVICE, _MemberWarnings
    from hourglass.thresholds import Percentile
    from hourglass.thresholds.base import FEW_SCORES_ADVICE

    held = _MemberWarnings()
    for name in ("autoencoder", "deep-svdd"):
        held.member = name
        Percentile(99).fit(np.arange(90.0))
    with caplog.at_level("WARNING", logger=_MemberWarnings.LOGGER):
        held.release()
    [record] = [r for r in caplog.records if r.name == _MemberWarnings.LOGGER]
    text = record.getMessage()
    assert text.startswith("ensemble members autoencoder, deep-svdd: percentile 99 of 90")
    assert MEMBER_SHARE_ADVICE in text and FEW_SCORES_ADVICE not in text
    assert getattr(record, "advice") == MEMBER_SHARE_ADVICE  # noqa: B009
    said = cli_advice(text)
    assert "--param 'detectors=[[\"NAME\", {\"validation_fraction\": 0.2}], ...]'" in said
    assert "--param validation_fraction" not in said
    # the ensemble's own percentile keeps the ensemble's option
    assert "--param validation_fraction=..." in cli_advice(f"percentile ...: {FEW_SCORES_ADVICE})")


# what was wrong: an entity explanation gave a mean past 4 digits in exponent form, 'mean
# bytes=1.694e+04' (its median too), where table and series explanations quote such a value
# without one; whole aggregates (a count, a sum of whole bytes) already read in full below 1e15:
# pinned here too
def test_entity_values_past_four_digits_read_without_exponent() -> None:
    from hourglass.explain.entity import _number

    assert [_number(v) for v in (16938.7, -16938.7, 9999.6, 1234.56)] == ["16939", "-16939", "10000", "1235"]
    assert [_number(v) for v in (16940.0, 123456789.0, 63.99999999999998)] == ["16940", "123456789", "64"]
    # unchanged: small values to 4 digits, tiny ones and whole ones past 1e15 in exponent form
    assert [_number(v) for v in (2.345678, 0.5, 4e-7, 1e16)] == ["2.346", "0.5", "4e-07", "1e+16"]
