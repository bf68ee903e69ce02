"""Web application firewalls and reverse proxies as their products write them: F5 ASM's
comma-parted key="value" lines, Traefik's JSON access log, Cloudflare's, AWS WAF's and
Traefik's field names in ECS alerts, and the headers AWS WAF writes as an array of pairs."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.features.tabular import TabularPreprocessor
from hourglass.ingest.formats import sniff_format
from hourglass.ingest.kv import parse_kv

_F5 = ('<134>Mar  1 08:00:{s:02d} bigip1 ASM:unit_hostname="bigip1.example.com",'
       'management_ip_address="10.0.0.5",policy_name="/Common/shop",violations="{v}",'
       'request_status="{st}",response_code="{code}",ip_client="{ip}",method="GET",'
       'query_string="{q}",date_time="2024-03-01 08:00:{s:02d}",src_port="5{s:04d}",'
       'uri="/api/search",request="GET /api/search?{q} HTTP/1.1\\r\\nHost: shop.example.com\\r\\n"')


def test_f5_asm_comma_parted_lines_are_read_as_key_value_records(tmp_path: Path) -> None:
    # What was wrong: F5 ASM's remote log writes its pairs parted by commas, the first right after
    # 'ASM:'; the kv format found no pair after a blank, and refused every line as no record.
    line = _F5.format(s=1, v="Attack signature detected", st="blocked", code=0, ip="203.0.113.66",
                      q="q=1' OR '1'='1")
    row = parse_kv(line)
    assert row is not None
    assert row["unit_hostname"] == "bigip1.example.com" and row["ip_client"] == "203.0.113.66"
    assert row["violations"] == "Attack signature detected" and row["query_string"] == "q=1' OR '1'='1"
    assert row["request"].startswith("GET /api/search?q=1' OR '1'='1 HTTP/1.1\\r\\nHost")
    p = tmp_path / "asm.log"
    p.write_text("\n".join(_F5.format(s=i, v="", st="passed", code=200, ip=f"198.51.100.{i}", q="q=shoes")
                           for i in range(10)) + "\n")
    spec = sniff_format(p)
    df = spec.read(p)
    assert spec.name == "kv" and len(df) == 10 and df["ip_client"].iloc[3] == "198.51.100.3"
    assert df["response_code"].astype(str).eq("200").all()


def _traefik_row(i: int, count: int) -> dict[str, object]:
    return {"ClientHost": f"198.51.100.{i % 40}", "DownstreamStatus": (200, 200, 304, 404)[i % 4],
            "DownstreamContentSize": 300 + (i * 37) % 9000, "Duration": 5_000_000 + (i * 7919) % 90_000_000,
            "RequestMethod": ("GET", "POST")[i % 2], "RequestPath": ("/", "/api/items", "/login")[i % 3],
            "RouterName": "shop@docker", "entryPointName": "websecure", "RequestCount": count}


def test_traefik_request_counter_is_no_feature() -> None:
    # What was wrong: Traefik's JSON access log's RequestCount (the requests served since the
    # instance started) was learnt as a magnitude: the next day's rows all lay past training, a
    # model flagging 52 of 400 normal requests (9 with the counter left out).
    train = pd.DataFrame([_traefik_row(i, i + 1) for i in range(300)])
    pre = TabularPreprocessor().fit(train)
    assert pre.roles_["RequestCount"] == "drop" and pre.roles_["DownstreamContentSize"] == "numeric"
    later = pd.DataFrame([_traefik_row(i, 5_000_000 + i) for i in range(50)])
    np.testing.assert_allclose(pre.transform(later), pre.transform(later.assign(RequestCount=1)))
    # a request count of another table (a metric per minute) stays a number
    other = TabularPreprocessor().fit(train[["ClientHost", "RequestCount", "Duration"]])
    assert other.roles_["RequestCount"] == "numeric"


def test_web_gateway_fields_go_to_their_ecs_fields() -> None:
    # What was wrong: an ECS alert of a Cloudflare, AWS WAF or Traefik model named no URL, method,
    # status or agent (all under hourglass.fields with --keep, else nowhere), and AWS WAF's not
    # even the client: httpRequest.clientIp went to no source.ip.
    from hourglass.serve.ecs import AlertRule, to_ecs

    def doc(fields: dict[str, object]) -> dict[str, object]:
        rule = AlertRule("autoencoder", "ab", data_format="jsonl")
        return to_ecs({"row": 0, "score": 2.0}, rule, fields=fields)

    cf = doc({"ClientIP": "203.0.113.66", "ClientRequestURI": "/search?q=1%27",
              "ClientRequestHost": "shop.example.com", "ClientRequestMethod": "GET",
              "ClientRequestUserAgent": "sqlmap/1.7", "EdgeResponseStatus": 403})
    assert cf["url"] == {"original": "/search?q=1%27", "domain": "shop.example.com"}
    assert cf["http"] == {"request": {"method": "GET"}, "response": {"status_code": 403}}
    assert cf["user_agent"] == {"original": "sqlmap/1.7"} and cf["source"] == {"ip": "203.0.113.66"}
    waf = doc({"httpRequest.clientIp": "203.0.113.66", "httpRequest.uri": "/search",
               "httpRequest.args": "q=1%27", "httpRequest.httpMethod": "GET", "httpRequest.country": "RU"})
    assert waf["source"] == {"ip": "203.0.113.66", "geo": {"country_iso_code": "RU"}}
    assert waf["url"] == {"path": "/search", "query": "q=1%27"}
    assert waf["http"] == {"request": {"method": "GET"}}
    traefik = doc({"ClientHost": "203.0.113.66", "RequestPath": "/search?q=1%27", "RequestMethod": "GET",
                   "DownstreamStatus": "403", "request_User-Agent": "sqlmap/1.7",
                   "RequestHost": "shop.example.com"})
    assert traefik["source"] == {"ip": "203.0.113.66"} and traefik["http"]["response"] == {"status_code": 403}
    assert traefik["url"]["original"] == "/search?q=1%27"
    assert traefik["user_agent"] == {"original": "sqlmap/1.7"}
    assert "hourglass" in traefik and "fields" not in traefik["hourglass"]


def test_aws_waf_header_pairs_warning_gives_a_recipe_for_json_lines(caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: AWS WAF's httpRequest.headers, an array of {name, value}, was said to be
    # read as one text value with a KQL recipe for a Log Analytics export ('KQL | extend FIELD =
    # tostring(httpRequest.headers[0].FIELD)'), no help for an S3 or Firehose file of JSON lines.
    headers = [json.dumps([{"name": "Host", "value": "shop.example.com"},
                           {"name": "User-Agent", "value": ua}])
               for ua in ("curl/8.4", "Mozilla/5.0", "sqlmap/1.7") * 20]
    df = pd.DataFrame({"httpRequest.headers": headers, "httpRequest.uri": ["/", "/login", "/api"] * 20})
    with caplog.at_level(logging.WARNING):
        TabularPreprocessor().fit(df)
    said = [r.getMessage() for r in caplog.records if "httpRequest.headers" in r.getMessage()]
    assert len(said) == 1 and "KQL" not in said[0], said
    assert ("jq -c '.httpRequest.headers |= (map({(.name | ascii_downcase): .value}) | add // {})' FILE"
            in said[0]) and "(httpRequest.headers.user-agent)" in said[0]


def test_modsecurity_transaction_unique_id_is_no_feature() -> None:
    # What was wrong: a ModSecurity JSON audit log's transaction.unique_id (the time the
    # transaction began, in digits: "1709280000", "170928000012.345678") was learnt as a number,
    # so the next day's were all past training: a model flagged 300 of 300 normal requests (3 now).
    n = 120
    stamps = [f"Fri Mar  1 08:{i // 60:02d}:{i % 60:02d} 2024" for i in range(n)]
    ids = [f"{1709280000 + i}{i % 90 + 10}.{123456 + i}" for i in range(n)]
    df = pd.DataFrame({"transaction.client_ip": [f"198.51.100.{i % 30}" for i in range(n)],
                       "transaction.time_stamp": stamps,
                       "transaction.server_id": "4b3c1a2e9f8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b",
                       "transaction.host_ip": "10.0.1.5", "transaction.host_port": 443,
                       "transaction.unique_id": ids,
                       "transaction.request.uri": ["/", "/login", "/api/items"] * (n // 3),
                       "transaction.response.http_code": [200, 200, 404] * (n // 3)})
    pre = TabularPreprocessor().fit(df)
    assert pre.roles_["transaction.unique_id"] == "drop"
    lifted = TabularPreprocessor().fit(df.rename(columns=lambda c: c.removeprefix("transaction.")))
    assert lifted.roles_["unique_id"] == "drop"
    # another table's unique_id of digits is read as it was
    other = TabularPreprocessor().fit(df[["transaction.unique_id", "transaction.request.uri"]])
    assert other.roles_["transaction.unique_id"] == "numeric"


def test_f5_asm_alert_names_the_client_not_a_user_na_nor_transport_https() -> None:
    # What was wrong: an ECS alert of an F5 ASM model named the server (destination.ip) but not the
    # client, ip_client; said '"user": {"name": "N/A"}' (F5's "no value") and took protocol="HTTPS"
    # for network.transport.
    from hourglass.serve.ecs import AlertRule, to_ecs

    line = _F5.format(s=1, v="Attack signature detected", st="blocked", code=0, ip="203.0.113.66",
                      q="q=1' OR '1'='1")
    row = parse_kv(line)
    assert row is not None
    row.update(username="N/A", protocol="HTTPS", dest_ip="10.0.1.10", dest_port="443")
    doc = to_ecs({"row": 0, "score": 2.0}, AlertRule("autoencoder", "ab", data_format="kv"), fields=row)
    assert doc["source"] == {"ip": "203.0.113.66", "port": 50001}
    assert doc["destination"] == {"ip": "10.0.1.10", "port": 443}
    assert "user" not in doc and doc["network"] == {"protocol": "https"}
    assert doc["url"] == {"path": "/api/search", "query": "q=1' OR '1'='1"}
    assert doc["http"] == {"request": {"method": "GET"}}  # (response_code 0: none sent)
    passed = to_ecs({"row": 0, "score": 2.0}, AlertRule("autoencoder", "ab", data_format="kv"),
                    fields={**row, "response_code": "200"})
    assert passed["http"]["response"] == {"status_code": 200}
    # another key=value log's protocol is its transport, as before
    other = to_ecs({"row": 0, "score": 2.0}, AlertRule("autoencoder", "ab", data_format="kv"),
                   fields={"srcip": "10.0.0.5", "protocol": "TCP", "user": "alice"})
    assert other["network"] == {"transport": "tcp"} and other["user"] == {"name": "alice"}


def test_f5_asm_support_id_is_no_feature(tmp_path: Path) -> None:
    # What was wrong: F5 ASM's support_id (a random 64-bit number per request, the one a block
    # page shows) was learnt as a magnitude, with a warning that left the user to --drop it: a
    # model flagged 26 of 320 requests, 6 of them normal (20, none normal, with it left out).
    p = tmp_path / "asm.log"
    lines = [_F5.format(s=i % 60, v="", st="passed", code=200, ip=f"198.51.100.{i % 40}", q="q=shoes")
             .replace('policy_name="/Common/shop"', f'policy_name="/Common/shop",support_id='
                      f'"{(7919 * i * 2_654_435_761) % 10**19}"') for i in range(60)]
    p.write_text("\n".join(lines) + "\n")
    df = sniff_format(p).read(p)
    assert df["support_id"].nunique() == 60
    pre = TabularPreprocessor().fit(df)
    assert pre.roles_["support_id"] == "drop" and pre.roles_["ip_client"] == "ip"
    # another table's support_id (a ticket's number) is read as before
    other = TabularPreprocessor().fit(df[["support_id", "ip_client", "method"]])
    assert other.roles_["support_id"] == "numeric"


def test_azure_application_gateway_host_is_the_site_asked_not_a_machine() -> None:
    # What was wrong: an ECS alert of an Azure Application Gateway (or Front Door) access or WAF
    # log model said '"host": {"name": "shop.example.com"}', the site the client asked for taken
    # for the machine that logged, and named no method, status, URL or agent.
    from hourglass.serve.ecs import AlertRule, to_ecs

    fields = {"properties.clientIP": "203.0.113.66", "properties.host": "shop.example.com",
              "properties.httpMethod": "GET", "properties.requestUri": "/api/search",
              "properties.httpStatus": 403, "properties.userAgent": "sqlmap/1.7"}
    doc = to_ecs({"row": 0, "score": 2.0}, AlertRule("autoencoder", "ab", data_format="jsonl"), fields=fields)
    assert "host" not in doc and doc["url"] == {"domain": "shop.example.com", "original": "/api/search"}
    assert doc["http"] == {"request": {"method": "GET"}, "response": {"status_code": 403}}
    assert doc["user_agent"] == {"original": "sqlmap/1.7"} and doc["source"] == {"ip": "203.0.113.66"}
