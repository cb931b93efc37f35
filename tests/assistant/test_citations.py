from assistant.citations import normalise_markers, verify
from kunskap.analysis import term_set
from tests.utils.hits import make_hit

LVU = make_hit(
    "Socialnämnden ska besluta om vård enligt LVU när det finns en påtaglig risk för att "
    "barnets hälsa eller utveckling skadas. Beslutet ska prövas av förvaltningsrätten.",
    doc_id="lvu",
)
FAMILJEHEM = make_hit(
    "Familjehemmet ska få utbildning och handledning från socialnämnden. "
    "Ersättningen till familjehem består av arvode och omkostnadsersättning.",
    doc_id="familjehem",
    n=1,
)


def test_supported_citations_are_kept_and_renumbered_by_first_use() -> None:
    answer = (
        "Familjehemmet ska få utbildning och handledning [2]. "
        "Vård enligt LVU beslutas när det finns påtaglig risk att barnets hälsa skadas [1]."
    )
    result = verify(answer, [LVU, FAMILJEHEM])
    assert [c.doc_id for c in result.citations] == ["familjehem", "lvu"]
    assert "[1]" in result.text.split(".")[0] and "[2]" in result.text
    assert result.dropped_sentences == 0 and result.removed_markers == 0
    assert "handledning" in result.citations[0].quote


def test_citation_to_a_source_that_does_not_support_the_sentence_is_removed() -> None:
    answer = "Familjehemmet ska få utbildning och handledning [1][2]."
    result = verify(answer, [LVU, FAMILJEHEM])
    assert result.removed_markers == 1
    assert [c.doc_id for c in result.citations] == ["familjehem"]
    assert result.text == "Familjehemmet ska få utbildning och handledning [1]."


def test_number_without_a_source_is_never_kept() -> None:
    result = verify("Beslutet ska prövas av förvaltningsrätten [7].", [LVU])
    assert result.citations == []
    assert result.text == ""
    assert result.dropped_sentences == 1


def test_unsupported_claim_is_dropped_and_unused_source_not_listed() -> None:
    answer = (
        "Beslutet ska prövas av förvaltningsrätten [1]. "
        "Ersättningen till familjehem är 12 000 kronor per månad och barn i Göteborg [2]."
    )
    result = verify(answer, [LVU, FAMILJEHEM])
    # 'arvode' and 'omkostnadsersättning' do not make '12 000 kronor per månad i Göteborg'.
    assert result.dropped_sentences == 1
    assert [c.doc_id for c in result.citations] == ["lvu"]


def test_uncited_claim_is_dropped_but_framing_line_stays() -> None:
    answer = (
        "Så här beskriver underlaget det:\n\n"
        "Det är alltid bäst att flytta barnet. Beslutet ska prövas av förvaltningsrätten [1]."
    )
    result = verify(answer, [LVU])
    assert result.text.startswith("Så här beskriver underlaget det:")
    assert "alltid bäst" not in result.text
    assert result.dropped_sentences == 1


def test_markers_after_the_full_stop_stay_with_their_sentence() -> None:
    assert (
        normalise_markers("Barnets hälsa skadas. [1] Nästa.") == "Barnets hälsa skadas [1]. Nästa."
    )
    result = verify("Beslutet ska prövas av förvaltningsrätten. [1]", [LVU])
    assert result.text == "Beslutet ska prövas av förvaltningsrätten [1]."


def test_a_quoted_sentence_keeps_its_marker_and_its_place_in_the_answer() -> None:
    # A sentence quoted with its closing quotation mark: the marker after the quote used to
    # be split off on its own, the sentence dropped as uncited and a bare "[1]" kept.
    source = make_hit(
        "Det är en kunskapsform. Beprövad erfarenhet är däremot möjlig att tillgodogöra sig "
        "även om man är ny i yrket.”"
    )
    answer = (
        "Det är en kunskapsform. [1] Beprövad erfarenhet är däremot möjlig att tillgodogöra "
        "sig även om man är ny i yrket.” [1]"
    )
    result = verify(answer, [source])
    assert result.text == (
        "Det är en kunskapsform [1]. Beprövad erfarenhet är däremot möjlig att tillgodogöra "
        "sig även om man är ny i yrket [1].”"
    )
    assert result.dropped_sentences == 0 and result.removed_markers == 0
    assert normalise_markers("Se bilagan (sid. 3). [2] Nästa.") == "Se bilagan (sid. 3) [2]. Nästa."


def test_a_sentence_ending_in_a_stop_a_closer_and_a_stop_keeps_its_marker() -> None:
    # OCR text of a quotation: "… utvecklingsfrågor!”." The marker used to land after the
    # splitter's cut at "!", and the sentence was dropped as uncited.
    source = make_hit(
        "Parallellt arbetar man med ett FoU-forum. I FoU-forumet, som funnits i två år, ingår "
        "personer som arbetar med utvecklingsfrågor!”."
    )
    answer = (
        "I FoU-forumet, som funnits i två år, ingår personer som arbetar med "
        "utvecklingsfrågor!”. [1]"
    )
    result = verify(answer, [source])
    assert result.dropped_sentences == 0 and result.removed_markers == 0
    assert "två år" in result.text and "[1]" in result.text
    assert normalise_markers("frågor!”. [1] Nästa.") == "frågor [1]!”. Nästa."


def test_a_marker_standing_alone_supports_nothing() -> None:
    result = verify("Beslutet ska prövas av förvaltningsrätten [1].\n[1]", [LVU])
    assert result.text == "Beslutet ska prövas av förvaltningsrätten [1]."
    assert result.removed_markers == 1


def test_an_acronym_inside_a_hyphenated_word_is_found() -> None:
    source = make_hit("VFU-center är en samordningspunkt där studenter träffas varannan vecka.")
    result = verify("Studenter träffas på VFU-centret varannan vecka [1].", [source])
    assert [c.n for c in result.citations] == [1] and result.dropped_sentences == 0
    assert {"vfu", "vfu-cent", "cent"} <= term_set(source.text)


def test_an_acronym_across_an_ocr_apostrophe_and_a_stray_mark_are_handled() -> None:
    source = make_hit("Det gäller FY'S-doktoranderna och deras kommuner.?")
    result = verify("Det gäller FY'S-doktoranderna och deras kommuner. [1]?", [source])
    assert result.text == "Det gäller FY'S-doktoranderna och deras kommuner [1]."
    assert result.dropped_sentences == 0 and "fy" in term_set(source.text)
