"""The chat's rendering of an Answer: message text, source cards, filters, history."""

from __future__ import annotations

from assistant.chat import render
from assistant.models import REFUSAL_SV, Answer, Citation, HistoryTurn, SourceRef


def citation(n: int = 1, **overrides: object) -> Citation:
    values: dict[str, object] = {
        "n": n,
        "doc_id": "rapport",
        "title": "Kunskapsbaserad socialtjänst",
        "publisher": "Göteborgs Stad",
        "doc_type": "fou_rapport",
        "doc_type_label": "FoU-rapport",
        "page": 11,
        "page_end": None,
        "page_estimated": False,
        "section": None,
        "url": None,
        "quote": "Beprövad erfarenhet är kunskap som är provad.",
        "text": "Beprövad erfarenhet är kunskap som är provad. Mer text.",
        "chunk_id": "c1",
        "score": 0.9,
        **overrides,
    }
    return Citation.model_validate(values)


def answer(**overrides: object) -> Answer:
    values: dict[str, object] = {
        "answered": True,
        "answer": "Beprövad erfarenhet är kunskap som är provad [1].",
        "language": "sv",
        "citations": [citation()],
        "confidence": 0.9,
        "question": "Vad är beprövad erfarenhet?",
        **overrides,
    }
    return Answer.model_validate(values)


def test_card_is_named_like_the_reference_and_shows_every_fact() -> None:
    card = render.source_card(citation(url="https://example.org/r.pdf"), "sv")
    assert card.name == "[1]"
    for fact in ("Kunskapsbaserad socialtjänst", "Göteborgs Stad", "FoU-rapport", "Sida 11"):
        assert fact in card.content
    assert "> Beprövad erfarenhet är kunskap som är provad." in card.content
    assert "(<https://example.org/r.pdf#page=11>)" in card.content


def test_pdf_link_opens_at_the_page_and_other_links_stay() -> None:
    assert render.citation_link(citation(url="https://x.se/a.PDF", page=7)) == (
        "https://x.se/a.PDF#page=7"
    )
    assert render.citation_link(citation(url="https://x.se/sida", page=7)) == "https://x.se/sida"
    assert render.citation_link(citation(url="https://x.se/a.pdf#page=2")) == (
        "https://x.se/a.pdf#page=2"
    )
    assert render.citation_link(citation(url="javascript:alert(1)")) is None
    assert render.citation_link(citation(url=None)) is None


def test_location_prefers_page_range_then_section() -> None:
    assert render.citation_location(citation(page=3, page_end=5), "sv") == "Sidor 3–5"
    assert render.citation_location(citation(page=3, page_estimated=True), "sv") == (
        "Sida 3 (uppskattad)"
    )
    assert render.citation_location(citation(page=None, section="LVU"), "sv") == "Avsnitt: LVU"
    assert render.citation_location(citation(page=None), "en") is None
    assert render.citation_location(citation(page=4), "en") == "Page 4"


def test_document_text_cannot_inject_markdown_links() -> None:
    card = render.source_card(citation(quote="Se [här](https://evil.example) *nu*"), "sv")
    assert "[här](" not in card.content
    assert "\\[här\\]" in card.content


def test_message_lists_sources_with_their_type() -> None:
    text = render.message_text(answer())
    assert text.startswith("Beprövad erfarenhet är kunskap som är provad [1].")
    assert "**Källor**" in text
    assert "- [1] Kunskapsbaserad socialtjänst – FoU-rapport, sida 11" in text


def test_english_question_gets_english_framing() -> None:
    text = render.message_text(answer(language="en"))
    assert "**Sources**" in text
    assert "Page 11" in render.source_card(citation(), "en").content


def test_refusal_says_it_was_noted_and_never_is_empty() -> None:
    text = render.message_text(
        answer(answered=False, answer=REFUSAL_SV, citations=[], need_id="n1")
    )
    assert text.startswith(REFUSAL_SV)
    assert "Källor" not in text
    unsaved = render.message_text(answer(answered=False, answer=REFUSAL_SV, citations=[]))
    assert "kunde inte sparas" in unsaved


def test_a_refusal_lists_the_closest_documents_with_links() -> None:
    def ref(**overrides: object) -> SourceRef:
        return SourceRef.model_validate(
            citation(**overrides).model_dump(include=set(SourceRef.model_fields))
        )

    nearest = [
        ref(url="https://x.se/rapport.pdf", page=4),
        ref(doc_id="faq-1", title="Vad är [LVU]?", page=None, section="Svar"),
    ]
    declined = answer(answered=False, answer=REFUSAL_SV, citations=[], need_id="n1")
    text = render.message_text(declined.model_copy(update={"nearest_sources": nearest}))
    assert "**Närmast i underlaget (besvarar inte frågan" in text
    assert (
        "- [Kunskapsbaserad socialtjänst](<https://x.se/rapport.pdf#page=4>) – FoU-rapport, sida 4"
        in text
    )
    assert "- Vad är \\[LVU\\]? – FoU-rapport, avsnitt: Svar" in text  # no link, escaped
    # A section that only repeats the title says nothing.
    same = ref(title="Frågor om LVU", page=None, section="Frågor om LVU")
    assert (
        "- Frågor om LVU – FoU-rapport\n"
        in render.message_text(declined.model_copy(update={"nearest_sources": [same]})) + "\n"
    )
    # An answer has its sources instead; an empty list shows no heading.
    assert "Närmast" not in render.message_text(answer())
    assert "Närmast" not in render.message_text(declined)


def test_a_partial_answer_says_so_first_and_keeps_its_sources() -> None:
    partial = answer(
        answered=False,
        status="partial",
        answer="Underlaget tar upp ämnet men säger inte det du frågar efter. Det närmaste som "
        "står:\n\nBeprövad erfarenhet är kunskap som är provad [1].",
        need_id="n1",
    )
    text = render.message_text(partial)
    assert text.startswith("**Delvis besvarad: underlaget tar upp ämnet")
    assert "**Källor**" in text and "[1]" in text
    assert "Delvis" not in render.message_text(answer())


def test_an_answer_status_must_agree_with_answered() -> None:
    import pytest
    from pydantic import ValidationError

    assert answer(answered=False).status == "declined"  # older clients give only answered
    with pytest.raises(ValidationError):
        answer(answered=True, status="partial")


def test_llm_fallback_notice_is_shown() -> None:
    assert "*Språkmodellen svarade inte.*" in render.message_text(
        answer(notice="Språkmodellen svarade inte.")
    )


def test_filters_from_chat_settings_drop_unknown_values() -> None:
    assert render.filters_from_settings({}) is None
    assert render.filters_from_settings({"areas": [], "doc_types": None}) is None
    filters = render.filters_from_settings(
        {"areas": ["barn_och_unga", "okänt"], "doc_types": ["faq"]}
    )
    assert filters is not None
    assert filters.areas == ["barn_och_unga"]
    assert filters.doc_types == ["faq"]
    note = render.describe_filters(filters, "sv")
    assert note == "Sökningen är avgränsad till: Barn och unga, Frågor och svar (kunskapsstöd)."


def test_history_keeps_the_standalone_question_and_is_bounded() -> None:
    history: list[HistoryTurn] = []
    for i in range(10):
        history = render.extend_history(history, answer(question=f"fråga {i}"))
    assert len(history) == 2 * render.MAX_HISTORY_TURNS
    assert history[-2] == HistoryTurn(role="user", content="fråga 9")
    assert history[-1].role == "assistant"


def test_the_card_opens_our_copy_of_the_document_at_the_quotes_page() -> None:
    pdf = citation(file_url="/api/sources/rapport/file#page=11")
    card = render.source_card(pdf, "sv")
    assert "[Öppna dokumentet (s. 11)](</api/sources/rapport/file#page=11>)" in card.content
    english = render.source_card(pdf, "en")
    assert "[Open the document (p. 11)](</api/sources/rapport/file#page=11>)" in english.content
    text = citation(page=None, file_url="/api/sources/rapport/text?start=5&end=40#citat")
    assert "[Öppna dokumentet](</api/sources/rapport/text?start=5&end=40#citat>)" in (
        render.source_card(text, "sv").content
    )
    # file_url is only ever a path on this app: another host's link is dropped.
    for foreign in ("https://evil.example/x", "//evil.example/x", "javascript:alert(1)"):
        assert citation(file_url=foreign).file_url is None
        assert (
            "Öppna dokumentet" not in render.source_card(citation(file_url=foreign), "sv").content
        )
