"""Monitoring figures checked against an independent count of the same outputs."""

from __future__ import annotations

import numpy as np

from hourglass.thresholds import AlertRateMonitor


def test_monitor_p_value_agrees_with_its_warning_when_alerts_come_in_runs() -> None:
    # what was wrong: with run_length > 1 (series models) p_value rounded the runs up while the
    # firing rule counts whole runs, so status() (GET /health, hourglass_drift_p_value) showed
    # p = 3.7e-07 < alpha with warning false for 41 or 42 flags in 200 rows (5% expected, runs
    # of 2.5; it fires at 43)
    for rl, n_ref in ((2.5, None), (3.2569, None), (1.7, 400)):
        for c in range(0, 70):
            mon = AlertRateMonitor(0.05, 200, run_length=rl, n_ref=n_ref)
            mon.update(np.zeros(200, dtype=int))
            mon.update(np.ones(c, dtype=int))  # the window's count climbs to c, one row at a time
            st = mon.status()
            assert st["warning"] == (st["p_value"] <= mon.alpha), (rl, n_ref, c, st)


def test_monitor_summary_peak_and_first_warning_equal_a_count_of_the_flags() -> None:
    # what was wrong: nothing; a pin (untested equality): the summary's peak rate and its window,
    # and the first warning's row, equal a direct count over the same flags fed in ragged chunks
    from scipy import stats

    rng = np.random.default_rng(3)
    for _ in range(25):
        w = int(rng.integers(10, 120))
        n = int(rng.integers(w, 4 * w))
        flags = (rng.random(n) < np.r_[np.full(n // 2, 0.01), np.full(n - n // 2, 0.3)]).astype(int)
        mon = AlertRateMonitor(0.02, w, n_ref=300)
        events = []
        for lo in range(0, n, 7):
            events += mon.update(flags[lo:lo + 7])
        seen = np.minimum(np.arange(1, n + 1), w)
        counts = np.array([flags[max(0, i + 1 - w):i + 1].sum() for i in range(n)])
        tested = seen >= mon.min_rows
        rates = np.where(tested, counts / seen, -1.0)
        top = int(rates.argmax())
        assert (mon.peak_rate, mon.peak_rows) == (rates[top], seen[top])
        dist = stats.betabinom(w, 0.02 * 300, 0.98 * 300)
        full = [i for i in range(w - 1, n) if dist.sf(counts[i] - 1) <= mon.alpha]
        fired = [e.row for e in events if e.kind == "fired"]
        if fired and fired[0] >= w - 1:  # a full window: the exact test (partial ones are stricter)
            assert fired[0] == full[0]
        elif not fired:
            assert not full


def test_service_counters_equal_what_the_answers_said_with_two_models_and_rules(tmp_path) -> None:
    # what was wrong: nothing; a pin (untested equality): with two models, suppression rules, ECS
    # answers and refused requests (401, 413, 422), every counter of GET /metrics equals the
    # count of what the answers said
    import collections

    import pandas as pd
    from fastapi.testclient import TestClient

    from hourglass import AutoEncoder, Pipeline
    from hourglass.serve import create_models_app
    from hourglass.serve.suppress import load_suppressions

    key, rng = "pin-key-0123456789abcdef", np.random.default_rng(0)

    def flows(n: int) -> pd.DataFrame:
        return pd.DataFrame({"proto": rng.choice(["tcp", "udp"], n), "bytes": rng.lognormal(6, 1, n).round(),
                             "src": rng.choice(["10.0.0.1", "10.20.0.9"], n)})

    for name in ("a", "b"):
        Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0, random_state=0)).fit(flows(200)).save(
            tmp_path / name)
    (tmp_path / "r.toml").write_text('[[rule]]\nname = "udp"\nmatch = { proto = "udp" }\n[[rule]]\n'
                                     'name = "net"\nmatch = { src = "10.20.0.0/16" }\n', encoding="utf-8")
    app = create_models_app({"a": tmp_path / "a", "b": tmp_path / "b"}, api_key=key, max_rows=30,
                            drift_window=50, suppress={"a": load_suppressions(tmp_path / "r.toml")})
    statuses: collections.Counter[tuple[str, int]] = collections.Counter()
    scored: collections.Counter[str] = collections.Counter()
    flagged: collections.Counter[str] = collections.Counter()
    silenced: collections.Counter[str] = collections.Counter()
    with TestClient(app) as c:
        for i in range(24):
            name, rows = "ab"[i % 2], flows(int(rng.integers(1, 25)))
            rows.loc[rows.sample(frac=0.3, random_state=i).index, "bytes"] = 1e9  # flagged
            body: dict[str, object] = {"rows": rows.to_dict("records")}
            headers = {"X-API-Key": key}
            if i % 3 == 1:
                body["alert_format"] = "ecs"
            if i % 7 == 3:
                headers = {}  # 401
            elif i % 7 == 5:
                body = {"rows": body["rows"] * 5}  # 413 unless few rows
            elif i % 11 == 4:
                body = {"row": []}  # 422
            r = c.post(f"/models/{name}/score", json=body, headers=headers)
            statuses[(name, r.status_code)] += 1
            if r.status_code != 200:
                continue
            j = r.json()
            if "alerts" in j:
                scored[name] += j["rows"]
                flagged[name] += j["count"]
                silenced.update(j.get("suppressed") or {})
            else:
                scored[name] += len(j["flags"])
                flagged[name] += sum(j["flags"])
                silenced.update(s for s in j.get("suppressed") or [] if s)
        text = c.get("/metrics", headers={"X-API-Key": key}).text
    s = {k: float(v) for k, v in (line.rsplit(" ", 1) for line in text.splitlines()
                                  if line and not line.startswith("#"))}
    assert {st for _, st in statuses} >= {200, 401, 413, 422}
    for (name, st), count in statuses.items():
        route = 'path="/models/{name}/score"'
        assert s[f'hourglass_requests_total{{{route},model="{name}",status="{st}"}}'] == count
    for name in "ab":
        assert s[f'hourglass_scored_total{{model="{name}",unit="rows"}}'] == scored[name]
        assert s[f'hourglass_flagged_total{{model="{name}",unit="rows"}}'] == flagged[name]
    assert silenced["udp"] > 0 and silenced["net"] > 0
    for rule in ("udp", "net"):
        assert s[f'hourglass_suppressed_total{{model="a",rule="{rule}"}}'] == silenced[rule]
