"""The Swedish text analyser: stems, folding, stop words, related and repaired terms."""

from hypothesis import given, settings
from hypothesis import strategies as st

from kunskap.analysis import (
    _INDEX_FROM,
    _covered_by,
    _related,
    analyze,
    found_terms,
    matched_terms,
    typo_repairs,
)


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


# Few letters, so that shared prefixes, suffixes and near-equal lengths are common.
_TERM = st.text(alphabet="abnst", min_size=1, max_size=11)


@settings(max_examples=300, deadline=None)
@given(
    wanted=st.lists(_TERM, max_size=12),
    available=st.sets(_TERM, min_size=_INDEX_FROM, max_size=_INDEX_FROM + 80),
)
def test_large_term_sets_give_what_the_pairwise_comparison_gives(
    wanted: list[str], available: set[str]
) -> None:
    # Sets this large go through an index of prefixes and suffixes (the evidence of a
    # question); it must find exactly the terms comparing every pair finds.
    wanted += sorted(available)[:: max(1, len(available) // 8)]
    wanted += [t[1:] for t in sorted(available)[:5]] + [f"s{t}" for t in sorted(available)[:5]]
    assert found_terms(wanted, available) == {
        t for t in wanted if t in available or any(_covered_by(t, o) for o in available)
    }
    assert matched_terms(wanted, available) == {
        t for t in wanted if t in available or any(_related(t, o) for o in available)
    }


def test_the_index_finds_a_compound_and_an_inflection_in_a_large_set() -> None:
    filler = {f"ord{i:03d}x" for i in range(_INDEX_FROM)}
    [anmalan, orosanmalan, tjanst, fardtjanst] = analyze("anmälan orosanmälan tjänst färdtjänst")
    assert found_terms([anmalan], filler | {orosanmalan}) == {anmalan}
    assert found_terms([fardtjanst], filler | {tjanst}) == set()
    assert matched_terms([fardtjanst], filler | {tjanst}) == {fardtjanst}
    deltagarna = analyze("deltagarna")
    assert found_terms(deltagarna, filler | set(analyze("deltog"))) == set(deltagarna)
