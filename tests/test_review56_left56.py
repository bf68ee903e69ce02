"""Review round 56 (left56): small items earlier reviews left alone."""

from __future__ import annotations

import pytest

from hourglass.errors import InputError


def test_held_out_scores_note_counts_one_score_and_one_step() -> None:
    # What was wrong: the note on a refusal of too few held-out scores wrote its counts with a
    # bare plural: "the held-out tail's 17 steps give 1 scores: its first 16 steps ..." and, for
    # one left-out step, "its first 1 steps"; each count is now said with hourglass._columns.counted.
    from hourglass.detectors.base import held_out_scores_said
    from hourglass.thresholds import DSPOT

    with pytest.raises(InputError) as info:
        DSPOT().check_n_scores(1)
    one_score = str(held_out_scores_said(info.value, 17, 1))
    assert "17 steps give 1 score:" in one_score
    assert "1 scores" not in one_score
    one_step = str(held_out_scores_said(info.value, 2, 1, gives_none="end no window"))
    assert "its first 1 step " in one_step and "hold out 1 step more" in one_step


def test_a_pages_event_is_named_in_one_wording() -> None:
    # What was wrong: a bad event of a page was "row 2: event 2 of the page is no JSON object"
    # (the reader's words) where a bad value of one was "(row 2, event 2 of its page)" (the
    # service's): two wordings of one place; the reader now says "event 2 of its page" too.
    from hourglass.ingest.formats import get_format
    from hourglass.serve.app import _at_request_row

    with pytest.raises(ValueError, match=r"^event 2 of its page is no JSON object \(a number\)"):
        get_format("okta").expand([{"eventType": "x"}, 5])
    said = _at_request_row("column 'x': expected numbers, found 'a' (row 2)", [(0, 0, 2), (0, 1, 2)])
    assert said.endswith("(row 1, event 2 of its page)")


def test_a_sites_input_error_keeps_its_type(monkeypatch) -> None:
    # What was wrong: Site._named (and run_federated's numbering) re-raised a site's
    # InputError subclass (an ArtefactError, a DateOrderError ...) as a plain InputError with
    # 'site <name>: ' before its message, so 'except ArtefactError' no longer caught it; it is
    # now the same error, of its own type, its message prefixed and its param kept.
    import numpy as np
    import pandas as pd

    from hourglass.detectors import AutoEncoder
    from hourglass.distributed.federated import Site
    from hourglass.errors import ArtefactError

    def refuse(self, parameters, config):
        raise ArtefactError("weights: tampered", param="weights")

    monkeypatch.setattr(Site, "_answer", refuse)
    site = Site(pd.DataFrame({"a": np.zeros(4)}), AutoEncoder(verbose=0), name="east")
    with pytest.raises(ArtefactError) as info:
        site.fit([], {"phase": "schema"})
    assert str(info.value) == "site east: weights: tampered"
    assert info.value.param == "weights"


def test_explain_unknown_method_lists_the_models_own_methods() -> None:
    # What was wrong: an unknown method was refused before the model was looked at, listing
    # "auto, reconstruction, gradients" whatever the model: DeepSVDD, which has no
    # reconstruction error, was offered 'reconstruction' (refused next); the refusal now lists
    # the methods that explain this model.
    import numpy as np
    import pandas as pd

    from hourglass import Pipeline
    from hourglass.detectors import DeepSVDD
    from hourglass.explain import explanation_method

    df = pd.DataFrame(np.random.default_rng(0).normal(size=(120, 3)), columns=list("abc"))
    svdd = Pipeline(detector=DeepSVDD(hidden=(4,), epochs=1, verbose=0)).fit(df)
    with pytest.raises(InputError) as info:
        explanation_method(svdd, "bogus")
    assert str(info.value).startswith("method: expected one of auto, gradients ("), str(info.value)
    assert "reconstruction" not in str(info.value)
