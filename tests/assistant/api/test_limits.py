"""Request limits: body size (413), messages, turns, characters to the answer step."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from assistant.api import ask_routes
from assistant.models import HistoryTurn
from kunskap.limits import ANSWER_HISTORY_TURNS, ANSWER_TURN_CHARS, MAX_MESSAGES

QUESTION = "Vad är ett familjehem?"


def test_a_body_over_the_limit_gets_413(api_client: TestClient) -> None:
    big = b'{"question": "' + b"a" * 10_000_000 + b'"}'
    res = api_client.post("/api/ask", content=big, headers={"Content-Type": "application/json"})
    assert res.status_code == 413
    assert res.json()["detail"] == "Förfrågan är för stor (högst 1048576 byte)."


def test_a_chunked_body_is_cut_off_at_the_limit(api_client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"question": "'
        for _ in range(200):
            yield b"a" * 10_000
        yield b'"}'

    res = api_client.post(
        "/v1/chat/completions", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert res.status_code == 413


def test_too_many_messages_or_turns_get_422(api_client: TestClient) -> None:
    messages = [{"role": "user", "content": QUESTION}] * (MAX_MESSAGES + 1)
    res = api_client.post("/v1/chat/completions", json={"messages": messages})
    assert res.status_code == 422
    assert res.json()["detail"][0]["msg"] == f"För många poster (högst {MAX_MESSAGES})."
    history = [{"role": "user", "content": "Hej"}] * 41
    res = api_client.post("/api/ask", json={"question": QUESTION, "history": history})
    assert res.json()["detail"][0]["msg"] == "För många poster (högst 40)."
    long_turn = [{"role": "assistant", "content": "a" * 8001}]
    for path, body in [
        ("/api/ask", {"question": QUESTION, "history": long_turn}),
        ("/v1/chat/completions", {"messages": [*long_turn, {"role": "user", "content": QUESTION}]}),
        ("/v1/chat/completions", {"messages": [
            {"role": "user", "content": [{"type": "text", "text": "a" * 8001}]},
            {"role": "user", "content": QUESTION},
        ]}),
    ]:  # fmt: skip
        assert api_client.post(path, json=body).status_code == 422, path


def test_the_answer_step_gets_a_bounded_history(
    api_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[list[HistoryTurn]] = []
    real = ask_routes.answer

    def spy(question: str, *, history: list[HistoryTurn], **kwargs: object) -> object:
        seen.append(history)
        return real(question, history=history, **kwargs)

    monkeypatch.setattr(ask_routes, "answer", spy)
    history = [
        {"role": "user" if i % 2 == 0 else "assistant", "content": f"tur {i} " + "x" * 7990}
        for i in range(40)
    ]
    res = api_client.post("/api/ask", json={"question": QUESTION, "history": history})
    assert res.status_code == 200
    (got,) = seen
    assert len(got) == ANSWER_HISTORY_TURNS
    assert all(len(turn.content) <= ANSWER_TURN_CHARS for turn in got)
    assert got[-1].content.startswith("tur 39 ")  # the latest turns, not the first


def test_openapi_states_the_limits(api_client: TestClient) -> None:
    spec = api_client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    assert schemas["AskRequest"]["properties"]["question"]["maxLength"] == 2000
    assert schemas["AskRequest"]["properties"]["history"]["maxItems"] == 40
    assert schemas["HistoryTurnIn"]["properties"]["content"]["maxLength"] == 8000
    assert schemas["ChatCompletionRequest"]["properties"]["messages"]["maxItems"] == MAX_MESSAGES
    for path in ("/api/ask", "/v1/chat/completions"):
        assert {"413", "422", "503"} <= set(spec["paths"][path]["post"]["responses"])
    assert "1048576 byte" in spec["info"]["description"]
