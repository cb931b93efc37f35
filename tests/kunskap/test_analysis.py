"""The Swedish text analyser: stems, folding, stop words, related and repaired terms."""

from kunskap.analysis import analyze, found_terms, matched_terms, typo_repairs


def test_stems_fold_diacritics_and_drop_stopwords() -> None:
    assert analyze("Socialtjänstens insatser för barnen") == analyze(
        "socialtjanstens insatser barn"
    )
    assert "och" not in " ".join(analyze("barn och unga"))


def test_ocr_spelling_and_correct_spelling_meet_on_one_term() -> None:
    assert analyze("behöver")[0] == analyze("behover")[0]


def test_found_terms_is_one_way_and_matched_terms_both_ways() -> None:
    [anmalan, orosanmalan, tjanst, fardtjanst] = analyze("anmälan orosanmälan tjänst färdtjänst")
    # A text saying the longer compound covers the question's word, not the other way round.
    assert found_terms([anmalan], {orosanmalan}) == {anmalan}
    assert found_terms([fardtjanst], {tjanst}) == set()
    assert matched_terms([fardtjanst], {tjanst}) == {fardtjanst}
    assert found_terms(analyze("deltagarna"), set(analyze("deltog"))) == set(analyze("deltagarna"))


def test_a_mistyped_word_is_repaired_to_the_stem_of_the_right_one() -> None:
    # The typo keeps the ending the stemmer would strip; the repair is stemmed again.
    assert analyze("socialtjänsten")[0] in typo_repairs(analyze("socialtjänsetn")[0])
    assert analyze("placeringen")[0] in typo_repairs(analyze("placeringn")[0])
    assert analyze("färdtjänst")[0] not in typo_repairs(analyze("socialtjänst")[0])
