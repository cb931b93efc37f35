"""Question analysis: done once, read by the judge and the composer alike."""

from __future__ import annotations

from assistant.question import analyse, question_parts


def test_a_two_part_question_has_two_parts() -> None:
    q = (
        "Vilket datum började den nya socialtjänstlagen gälla och vad föreslog utredningen "
        "Hållbar socialtjänst?"
    )
    parts = question_parts(q)
    assert len(parts) == 2
    assert parts[0].startswith("Vilket datum") and parts[1].startswith("vad föreslog")
    assert analyse(q, "sv").several_parts


def test_a_tail_without_content_stays_with_its_question() -> None:
    assert question_parts("Vad är beprövad erfarenhet och varför?") == [
        "Vad är beprövad erfarenhet och varför?"
    ]
    assert not analyse("Vad är beprövad erfarenhet?", "sv").several_parts


def test_the_asked_head_is_the_noun_after_the_question_word() -> None:
    assert analyse("Vilka steg har SKR:s modell?", "sv").asked_head == ("steg",)
    assert analyse("Hur många moment har modellen?", "sv").asked_head == ("moment",)
    assert analyse("Vad är beprövad erfarenhet?", "sv").asked_head == ()


def test_an_english_question_is_matched_by_its_swedish_terms() -> None:
    a = analyse("Does a foster parent get compensation and insurance?", "en")
    assert "fost" in a.key_terms
    # The sources are Swedish: what a passage can contain is the glossary's Swedish terms.
    assert {"ersattning", "familjehemsforald"} <= set(a.source_terms)
    assert "fost" not in a.source_terms


def test_bracketed_source_terms_count_for_an_english_question() -> None:
    a = analyse("What is meant by proven experience (beprövad erfarenhet)?", "en")
    assert set(a.source_terms) == {"beprov", "erfaren"}


def test_a_source_named_by_its_kind() -> None:
    from assistant.question import source_types_named

    assert source_types_named("Vad rekommenderar rapporten om metodhandledare?") == {"fou_rapport"}
    assert source_types_named("Vem antecknade minnesanteckningarna från mötet?") == {
        "minnesanteckningar"
    }
    assert source_types_named("What does the report say about supervisors?") == {"fou_rapport"}
    # A topic, not a source: "en rapport om …", "rapportera".
    assert source_types_named("Finns det en rapport om hemlöshet?") == frozenset()
    assert source_types_named("Hur rapporterar man en avvikelse?") == frozenset()
    assert analyse("Vad säger nyheten om modellen?", "sv").source_types == {"nyhet"}
