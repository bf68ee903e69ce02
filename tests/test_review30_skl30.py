"""Review 30 (skl30): detectors used directly and inside scikit-learn machinery agree."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from hourglass.detectors import AutoEncoder, Ensemble
from hourglass.errors import InputError


def test_ensemble_nested_member_param_is_a_clear_error() -> None:
    # was: Ensemble().set_params(detectors__0__epochs=2) (and a GridSearchCV grid of it) died in
    # scikit-learn with "'list' object has no attribute 'set_params'"; now a ValueError names the key
    ens = Ensemble(detectors=(AutoEncoder(epochs=1),))
    with pytest.raises(ValueError, match=r"detectors__0__epochs: detectors is a tuple, not an "
                                         r"estimator .*set_params\(detectors=\.\.\.\)"):
        ens.set_params(detectors__0__epochs=2)
    X = np.random.default_rng(0).normal(size=(40, 3))
    search = GridSearchCV(ens, {"detectors__0__epochs": [1, 2]}, scoring="roc_auc", cv=2,
                          error_score="raise")
    with pytest.raises(ValueError, match="detectors__0__epochs: detectors is a tuple"):
        search.fit(X, np.r_[np.zeros(36, int), np.ones(4, int)])
    assert clone(ens).set_params(threshold=None).detectors[0].epochs == 1  # plain keys still set


def test_sklearn_tags_say_events_models_take_no_2d_array() -> None:
    # was: scikit-learn's get_tags said two_d_array for DeepLog and the other events models,
    # which refuse a 2-D array (a list of key sequences is their input), so check_estimator
    # failed each check with an InputError; the tags now say so, tabular ones unchanged
    from sklearn.utils import get_tags

    from hourglass.detectors import DeepLog, EventCountAutoEncoder, LSTMAutoEncoder

    assert not get_tags(DeepLog()).input_tags.two_d_array
    assert not get_tags(EventCountAutoEncoder()).input_tags.two_d_array
    assert get_tags(AutoEncoder()).input_tags.two_d_array
    assert get_tags(LSTMAutoEncoder()).input_tags.two_d_array
    with pytest.raises(InputError, match="expected a list of key sequences"):
        DeepLog(epochs=1).fit(np.zeros((4, 3), dtype=int))


def test_sklearn_routes_give_the_direct_scores() -> None:
    # pins (no defect found): make_pipeline(StandardScaler(), det) scores as det on rows scaled by
    # hand; a deep copy of a fitted detector scores identically, and so does one sent through
    # pickle as joblib sends it to worker processes (GridSearchCV/cross_val_score n_jobs=2; the
    # user's choice, no artefact); cross_val_score with roc_auc runs
    import copy
    import pickle

    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(size=(60, 3)) * 5 + 2, rng.normal(size=(8, 3)) * 5 + 20]
    y = np.r_[np.zeros(60, int), np.ones(8, int)]
    det = AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)
    scaler = StandardScaler().fit(X)
    direct = clone(det).fit(scaler.transform(X))
    pipe = make_pipeline(StandardScaler(), clone(det)).fit(X)
    assert np.array_equal(pipe.decision_function(X), direct.score(scaler.transform(X)))
    assert np.array_equal(pipe.predict(X), direct.predict(scaler.transform(X)))
    assert np.array_equal(copy.deepcopy(direct).score(X), direct.score(X))
    sent = pickle.loads(pickle.dumps(direct))  # as joblib's loky backend does
    assert np.array_equal(sent.score(X), direct.score(X))
    refit = pickle.loads(pickle.dumps(det)).fit(scaler.transform(X))
    assert np.array_equal(refit.score(X), direct.score(X))
    cv = StratifiedKFold(2, shuffle=True, random_state=0)
    auc = cross_val_score(make_pipeline(StandardScaler(), det), X, y, cv=cv, scoring="roc_auc",
                          error_score="raise")
    assert auc.shape == (2,)
