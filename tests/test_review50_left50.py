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
