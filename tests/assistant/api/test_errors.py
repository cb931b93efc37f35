"""Every 422 has one shape, Swedish messages and none of the client's input (issue 20, 3)."""

from __future__ import annotations

import json

import jsonschema
import pytest
from fastapi.testclient import TestClient

from assistant.services import Services

QUESTION = "Vad är ett familjehem?"
DATE = "Datumet ska skrivas ÅÅÅÅ-MM-DD."


def assert_validation_error(client: TestClient, response: object, *, sent: str = "") -> list:
    """The body is the HTTPValidationError of the OpenAPI document, Swedish, without input."""
    from httpx import Response

    assert isinstance(response, Response)
    assert response.status_code == 422, response.text
    body = response.json()
    components = client.get("/openapi.json").json()["components"]["schemas"]
    schema = {**components["HTTPValidationError"], "components": {"schemas": components}}
    jsonschema.validate(body, schema)
    for item in body["detail"]:
        assert set(item) == {"loc", "msg", "type"}
        assert item["msg"] and "should" not in item["msg"].lower() and "field" not in item["msg"]
    if sent:
        assert sent not in response.text
    assert len(response.content) < 1000
    return body["detail"]


def test_lone_surrogate_is_no_server_error(api_client: TestClient) -> None:
    raw = b'{"question": "Vad \\ud800 familjehem?"}'
    res = api_client.post("/api/ask", content=raw, headers={"Content-Type": "application/json"})
    detail = assert_validation_error(api_client, res)
    assert detail[0]["msg"] == "Texten är inte giltig Unicode."
    # In content parts it is dropped, as are control characters in other text fields.
    raw = (
        '{"messages": [{"role": "user", "content": [{"type": "text", "text": "Vad \\ud800 '
        'är ett familjehem?"}]}], "user": "s\\u0000"}'
    ).encode()
    res = api_client.post(
        "/v1/chat/completions", content=raw, headers={"Content-Type": "application/json"}
    )
    assert res.status_code == 200 and "\\ud800" not in res.text
    raw = ('{"question": "' + "\\ud800" * 2001 + 'a"}').encode()
    res = api_client.post("/api/ask", content=raw, headers={"Content-Type": "application/json"})
    assert_validation_error(api_client, res)
    raw = b'{"question": 5, "\\udfff": 1}'
    res = api_client.post("/api/ask", content=raw, headers={"Content-Type": "application/json"})
    assert_validation_error(api_client, res)


def test_long_input_is_not_echoed(api_client: TestClient) -> None:
    sent = "familjehem " * 10_000
    detail = assert_validation_error(
        api_client, api_client.post("/api/ask", json={"question": sent}), sent="familjehem " * 5
    )
    assert detail == [
        {
            "loc": ["body", "question"],
            "msg": "Texten är för lång (högst 2000 tecken).",
            "type": "string_too_long",
        }
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "Fältet saknas."),
        ({"question": ""}, "Texten är för kort (minst 1 tecken)."),
        ({"question": "   "}, "Frågan är tom."),
        ({"question": QUESTION, "stream": 0}, "Ska vara true eller false."),
        ({"question": QUESTION, "stream": "true"}, "Ska vara true eller false."),
        ({"question": ["a"]}, "Ska vara text."),
        ({"question": QUESTION, "filters": {"published_from": 0}},
         "Datumet ska skrivas ÅÅÅÅ-MM-DD."),
        ({"question": QUESTION, "filters": {"okänt": 1}}, "Okänt fält."),
    ],
)  # fmt: skip
def test_messages_are_swedish(api_client: TestClient, body: dict, message: str) -> None:
    detail = assert_validation_error(api_client, api_client.post("/api/ask", json=body))
    assert [d["msg"] for d in detail] == [message]


def test_invented_field_names_are_not_echoed(api_client: TestClient) -> None:
    name = "x" * 500
    body = {"question": QUESTION, "filters": {name: 1}}
    detail = assert_validation_error(api_client, api_client.post("/api/ask", json=body), sent=name)
    assert detail[0]["loc"] == ["body", "filters", "…"]


def test_invalid_json_is_a_swedish_422(api_client: TestClient) -> None:
    res = api_client.post(
        "/api/ask", content=b'{"question": ', headers={"Content-Type": "application/json"}
    )
    assert assert_validation_error(api_client, res)[0]["msg"] == "Kroppen är inte giltig JSON."


def test_openai_route_422_matches_its_schema(api_client: TestClient) -> None:
    for messages in (
        [{"role": "assistant", "content": "Hej"}],
        [{"role": "user", "content": "   "}],
        [{"role": "user", "content": "123 456?"}],
    ):
        res = api_client.post("/v1/chat/completions", json={"messages": messages})
        detail = assert_validation_error(api_client, res)
        assert detail[0]["loc"] == ["body", "messages"]
    res = api_client.post(
        "/v1/chat/completions",
        json={"messages": [{"role": "user", "content": QUESTION}], "stream": 0},
    )
    assert assert_validation_error(api_client, res)[0]["msg"] == "Ska vara true eller false."


def test_a_question_without_letters_is_refused(api_client: TestClient) -> None:
    for question in ("\u0001\u0002\u0003", "???", "123 456", "\x00\x00 !"):
        detail = assert_validation_error(
            api_client, api_client.post("/api/ask", json={"question": question})
        )
        assert detail == [
            {
                "loc": ["body", "question"],
                "msg": "Frågan innehåller inga bokstäver. Skriv frågan med ord.",
                "type": "question",
            }
        ], question


def test_control_characters_never_reach_the_needs_register(
    api_client: TestClient, app_services: Services
) -> None:
    question = "Hur\x00 mycket får ett\x1b familjehem\u202e i arvode per månad i kronor?"
    body = api_client.post("/api/ask", json={"question": question}).json()
    assert body["answered"] is False and body["need_id"]
    assert body["question"] == "Hur mycket får ett familjehem i arvode per månad i kronor?"
    assert app_services.needs is not None
    stored = json.dumps(
        [n.model_dump(mode="json") for n in app_services.needs.list_needs()], ensure_ascii=False
    )
    assert "familjehem" in stored
    assert not any(ch in stored for ch in ("\x00", "\x1b", "\u202e")) and "\\u0000" not in stored
