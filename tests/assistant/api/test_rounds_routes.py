"""/api/rounds (the seven moments) and POST /api/needs, in a small app with the real store."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.assistant.api.needs_app import Embed, auth, needs_app, real_embed

TODAY = dt.date.today().isoformat()


@pytest.fixture(scope="module")
def embed() -> Embed:
    return real_embed()


@pytest.fixture
def client(tmp_path: Path, embed: Embed) -> Iterator[TestClient]:
    with needs_app(tmp_path, embed) as test_client:
        yield test_client


ROUND = {
    "title": "Ekonomiskt bistånd", "area": "ekonomiskt_bistand", "period_from": "2020-01-01",
    "period_to": TODAY, "owner": "Ann (FoU)",
}  # fmt: skip


def test_rounds_need_an_analyst_and_the_csrf_header(client: TestClient) -> None:
    assert client.get("/api/rounds").status_code == 401
    assert client.post("/api/rounds", json=ROUND).status_code == 401
    refused = client.post("/api/rounds", json=ROUND, headers=auth(write=False))
    assert refused.status_code == 403 and "X-Requested-With" in refused.json()["detail"]
    assert client.get("/api/rounds", headers=auth(write=False)).json() == []


def test_a_round_over_http(client: TestClient) -> None:
    started = client.post("/api/rounds", json=ROUND, headers=auth())
    assert started.status_code == 200, started.text
    rid = started.json()["id"]
    own = client.post(
        "/api/needs",
        json={"formulation": "Stöd för att motivera unga vuxna till arbete",
              "area": "ekonomiskt_bistand", "round_id": rid},
        headers=auth(),
    )  # fmt: skip
    assert own.status_code == 200 and own.json()["origin"] == "analytiker"
    gathered = client.post(f"/api/rounds/{rid}/gather", headers=auth()).json()
    assert len(gathered["needs"]) == 2
    compiled = client.post(f"/api/rounds/{rid}/compile", headers=auth()).json()
    assert compiled["status"] == "sammanstallning"
    assert all(x["support"] is None for x in compiled["needs"])
    riksnorm = next(x["need"]["id"] for x in compiled["needs"] if x["need"]["origin"] == "fråga")
    aside = client.post(f"/api/rounds/{rid}/needs/{riksnorm}/set-aside",
                        json={"reason": "Socialstyrelsens stöd"}, headers=auth())  # fmt: skip
    assert aside.status_code == 200
    back = client.delete(f"/api/rounds/{rid}/needs/{riksnorm}/set-aside", headers=auth())
    assert not any(x["set_aside"] for x in back.json()["needs"])
    voted = client.put(f"/api/rounds/{rid}/needs/{riksnorm}/vote", json={"points": 7},
                       headers=auth())  # fmt: skip
    top = voted.json()["needs"][0]
    assert top["need"]["id"] == riksnorm and top["points"] == 7
    assert top["votes"][0]["voter"] == "ann"
    batch = client.post(f"/api/rounds/{rid}/hand-over", json={"recipient": "RSS"},
                        headers=auth()).json()  # fmt: skip
    assert batch["recipient"] == "RSS" and len(batch["contents"]) == 2
    assert batch["contents"][0]["need_id"] == riksnorm and batch["contents"][0]["rank"] == 1
    final = client.get(f"/api/rounds/{rid}", headers=auth(write=False)).json()
    assert final["status"] == "overlamnad" and final["batches"][0]["id"] == batch["id"]
    late = client.put(f"/api/rounds/{rid}/needs/{riksnorm}/vote", json={"points": 1},
                      headers=auth())  # fmt: skip
    assert late.status_code == 409 and "överlämnad" in late.json()["detail"]


def test_errors_use_the_one_422_shape_and_swedish_messages(client: TestClient) -> None:
    secret = "Anna Svensson 19811218-9876"
    bad = client.post("/api/rounds", json={**ROUND, "period_from": secret}, headers=auth())
    assert bad.status_code == 422
    (item,) = bad.json()["detail"]
    assert item["loc"] == ["body", "period_from"] and "datum" in item["msg"]
    assert secret not in bad.text
    points = client.post("/api/rounds", json=ROUND, headers=auth()).json()["id"]
    too_many = client.put(f"/api/rounds/{points}/needs/x/vote", json={"points": 11},
                          headers=auth())  # fmt: skip
    assert (
        too_many.status_code == 422 and too_many.json()["detail"][0]["msg"] == "Ska vara högst 10."
    )
    assert client.post("/api/rounds", json={**ROUND, "area": "nope"},
                       headers=auth()).status_code == 409  # fmt: skip
    assert client.get("/api/rounds/nope", headers=auth(write=False)).status_code == 404
    assert client.put(f"/api/rounds/{points}/needs/nope/vote", json={"points": 1},
                      headers=auth()).status_code == 404  # fmt: skip
