from assistant.citations import normalise_markers, verify
from assistant.retrieval import Hit
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


def test_a_quote_shown_with_its_ocr_residue_repaired_is_still_the_sources() -> None:
    # The reader is shown "Göteborgsregionens" for the scan's "Géteborgsregionens"
    # (display.shown); a name the source "never mentions" would otherwise drop the sentence.
    source = make_hit(
        "Konceptet har sitt ursprung i ett initiativ, år 2014, i Géteborgsregionens "
        "kommunalförbund (GR). Västra Goétalandsregionen deltar."
    )
    shown_answer = (
        "Konceptet har sitt ursprung i ett initiativ, år 2014, i Göteborgsregionens "
        "kommunalförbund (GR) [1]. Västra Götalandsregionen deltar [1]."
    )
    result = verify(shown_answer, [source])
    assert result.dropped_sentences == 0 and result.removed_markers == 0
    assert "Géteborgsregionens" in result.citations[0].text  # the source's own text
    # A name the source does not hold is still not supported by it.
    assert verify("Initiativet kom från Stockholmsregionen (GR) [1].", [source]).citations == []


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


# A chunk on pages 1-3 (offsets where each page starts) and a quote on each page.
PAGED_TEXT = (
    "Socialnämnden ska utreda varje anmälan om oro för barn. "
    "Utredningen ska vara klar inom fyra månader. "
    "Förlängning av utredningstiden kräver särskilda skäl."
)


_UNSET: list[tuple[int, int | None, bool, str | None]] = []


def _paged_hit(
    estimated: tuple[bool, bool, bool] = (False, False, False),
    places: list[tuple[int, int | None, bool, str | None]] | None = _UNSET,
) -> Hit:
    second = PAGED_TEXT.index("Utredningen")
    third = PAGED_TEXT.index("Förlängning")
    if places is _UNSET:
        places = [
            (0, 1, estimated[0], "Utredning"),
            (second, 2, estimated[1], "Utredning"),
            (third, 3, estimated[2], "Utredning"),
        ]
    return make_hit(
        PAGED_TEXT, doc_id="utredning", page=1, page_end=3, places=places, section="Utredning"
    )


def test_the_citation_names_the_page_its_quote_stands_on() -> None:
    result = verify("Förlängning av utredningstiden kräver särskilda skäl [1].", [_paged_hit()])
    (citation,) = result.citations
    assert (citation.page, citation.page_end, citation.page_estimated) == (3, None, False)
    first = verify("Socialnämnden ska utreda varje anmälan om oro för barn [1].", [_paged_hit()])
    assert (first.citations[0].page, first.citations[0].page_end) == (1, None)


def test_a_quote_over_a_page_break_names_both_pages() -> None:
    hit = _paged_hit()
    quotes = {1: ["Utredningen ska vara klar inom fyra månader.", PAGED_TEXT.split(". ")[2]]}
    result = verify("Utredningen ska vara klar inom fyra månader [1].", [hit], quotes=quotes)
    (citation,) = result.citations
    assert (citation.page, citation.page_end) == (2, 3)


def test_an_estimated_page_stays_marked_estimated() -> None:
    hit = _paged_hit(estimated=(False, False, True))
    on_three = verify("Förlängning av utredningstiden kräver särskilda skäl [1].", [hit])
    on_one = verify("Socialnämnden ska utreda varje anmälan om oro för barn [1].", [hit])
    assert (on_three.citations[0].page, on_three.citations[0].page_estimated) == (3, True)
    assert (on_one.citations[0].page, on_one.citations[0].page_estimated) == (1, False)


def test_without_page_marks_the_chunk_range_is_kept() -> None:
    # An index built before page marks: where the pages break inside the chunk is unknown,
    # so the citation says the whole range rather than guess.
    hit = _paged_hit(places=None)
    result = verify("Förlängning av utredningstiden kräver särskilda skäl [1].", [hit])
    assert (result.citations[0].page, result.citations[0].page_end) == (1, 3)


def test_the_section_is_the_heading_above_the_quote() -> None:
    # A hit cut mid-thought gets the next chunk appended, which may start a new section.
    text = "Vården ska följas upp regelbundet av socialsekreteraren:"
    appended = "Familjehem\n\nFamiljehemmet ska få utbildning och handledning."
    hit = make_hit(
        f"{text} {appended}",
        doc_id="vard",
        page=4,
        section="Uppföljning",
        places=[(0, 4, False, "Uppföljning"), (len(text) + 1, 5, False, "Familjehem")],
    )
    result = verify("Familjehemmet ska få utbildning och handledning [1].", [hit])
    (citation,) = result.citations
    assert (citation.section, citation.page) == ("Familjehem", 5)


def test_the_citation_settings_decide_how_much_of_a_claim_the_source_must_name() -> None:
    from kunskap.settings import CitationSettings

    hits = [make_hit("Utbildningen i motiverande samtal ges den 12 oktober för alla.")]
    claim = "Utbildningen i motiverande samtal ges för nyanställda medarbetare [1]."
    assert verify(claim, hits).citations  # two thirds of the claim's words are in the source
    strict = verify(claim, hits, tuning=CitationSettings(lexical_support=0.9))
    assert not strict.citations
