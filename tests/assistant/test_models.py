"""What the assistant hands out never carries a link that is not http(s)."""

from __future__ import annotations

from assistant.models import Citation, SourceRef


def test_a_non_web_url_is_dropped_from_sources_and_citations() -> None:
    base = {"doc_id": "d", "title": "T", "doc_type": "faq", "doc_type_label": "Frågor och svar"}
    assert SourceRef(**base, url="javascript:alert(4)").url is None
    assert SourceRef(**base, url="https://gr.se/x").url == "https://gr.se/x"
    cited = Citation(
        **base, url="data:text/html,x", n=1, quote="q", text="t", chunk_id="c", score=0.5
    )
    assert cited.url is None and "data:" not in cited.model_dump_json()
