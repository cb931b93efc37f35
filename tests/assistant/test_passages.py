"""The passage finder and its composer: the passage that answers, shown as it stands."""

from __future__ import annotations

from assistant import citations
from assistant.passages import choose, compose, find_passages
from assistant.question import analyse
from tests.utils.hits import make_hit


def _even(_term: str) -> float:
    return 1.0


STEPS = (
    "GR deltar i piloten tillsammans med flera kommuner.\n\n"
    "Modellen utgörs i korthet av två steg. Steg 1 innebär att gå igenom befintlig "
    "dokumentation för ett utvalt verksamhetsområde. Steg 2 innebär att sammanställningen "
    "stäms av med kommunerna."
)
COVID = "Folkhälsomyndigheten rekommenderar vaccination mot covid-19 för personer över 12 år."


def test_the_passage_stating_the_steps_is_the_answer() -> None:
    hits = [make_hit(STEPS, doc_id="gr"), make_hit(COVID, doc_id="faq", n=1, dense=0.80)]
    question = analyse("Vilka steg har modellen?", "sv")
    best = find_passages(hits, question, _even)[0]
    assert best.hit_rank == 0
    assert "Steg 1 innebär" in best.text
    assert "Folkhälsomyndigheten" not in " ".join(p.text for p in choose([best], question))


def test_a_sentence_that_points_back_is_shown_with_the_one_before() -> None:
    text = (
        "I Göteborg finns två yrkesgrupper som är intressanta, nämligen metodhandledare och "
        "förste socialsekreterare. Dessa personer fungerar som stöd till enheterna i vardagen."
    )
    question = analyse("Vilka fungerar som stöd till enheterna?", "sv")
    passages = find_passages([make_hit(text)], question, _even)
    best = passages[0]
    assert best.pieces[0].startswith("I Göteborg finns två yrkesgrupper")


def test_a_list_stays_a_list() -> None:
    text = (
        "Frågor att ställa inför förändring av arbetssätt:\n"
        "- Vad vill vi uppnå med förändringen?\n"
        "- Vilka berörs av förändringen?\n"
        "- Hur följer vi upp förändringen?\n"
    )
    hits = [make_hit(text)]
    question = analyse("Vilka frågor bör man ställa inför en förändring av arbetssätt?", "sv")
    chosen = choose(find_passages(hits, question, _even), question)
    answer, quotes = compose(chosen, language="sv")
    lines = answer.splitlines()
    assert lines[0] == "Så här står det i underlaget:"
    assert "Frågor att ställa inför förändring av arbetssätt [1]:" in lines
    assert "- Vilka berörs av förändringen [1]" in lines
    verified = citations.verify(answer, hits, quotes=quotes)
    assert verified.citations and verified.dropped_sentences == 0


def test_shown_text_is_cleaned_and_the_quote_keeps_the_original() -> None:
    text = "Beprövad erfarenhet är kunskap som är provad och genererad av måånga under lång tid."
    hits = [make_hit(text)]
    question = analyse("Vad är beprövad erfarenhet?", "sv")
    answer, quotes = compose(choose(find_passages(hits, question, _even), question), language="sv")
    assert "av många under" in answer and "måånga" not in answer
    verified = citations.verify(answer, hits, quotes=quotes)
    assert "måånga" in verified.citations[0].quote


def test_each_part_of_a_two_part_question_gets_its_passage() -> None:
    law = make_hit(
        "Den nya socialtjänstlagen började gälla den 1 juli 2025 och ersätter den gamla lagen.",
        doc_id="lag",
    )
    inquiry = make_hit(
        "Utredningen Hållbar socialtjänst föreslog en ny socialtjänstlag med fokus på "
        "förebyggande arbete.",
        doc_id="sou",
        n=1,
        dense=0.86,
    )
    question = analyse(
        "När började den nya socialtjänstlagen gälla och vad föreslog utredningen Hållbar "
        "socialtjänst?",
        "sv",
    )
    chosen = choose(find_passages([law, inquiry], question, _even), question)
    assert {p.hit_rank for p in chosen} == {0, 1}


def test_a_passage_naming_nothing_of_the_question_is_no_passage() -> None:
    question = analyse("Vilka steg har modellen?", "sv")
    assert find_passages([make_hit(COVID)], question, _even) == []


def test_the_same_sentence_in_two_overlapping_chunks_is_shown_once() -> None:
    sentence = "Modellen består av sju moment som följer på varandra i en fast ordning."
    hits = [make_hit(sentence, n=0), make_hit(f"Inledning om modellen. {sentence}", n=1)]
    question = analyse("Hur många moment har modellen?", "sv")
    chosen = choose(find_passages(hits, question, _even), question)
    assert sum(sentence in p.text for p in chosen) == 1
