"""The material's vocabulary: what counts as a word the material uses, and its cache."""

from __future__ import annotations

from assistant.retrieval import Retriever
from assistant.services import Services
from assistant.vocabulary import CorpusVocabulary
from kunskap.analysis import analyze

WORDS = analyze(
    "Socialtjänsten erbjuder serviceinsatser och stöd. Lämplig insats bedöms i en bedömning. "
    "Orosanmälan om barn, svar inom en dag. Funktionsstöd för chefer. Färdigheter i kontakt "
    "med familjen. Massflyktsdirektivet gäller."
)


def test_words_inflections_compounds_and_cut_words_are_known() -> None:
    vocabulary = CorpusVocabulary(WORDS)
    for word in (
        "socialtjänstens",  # inflected
        "anmälan",  # ends a compound of the material
        "massflyktsdir",  # cut short, as typed
        "svarsdag",  # a compound of two words the material uses
        "funktionsstödschef",
        "lämplighetsbedömning",  # "lämplig" is stemmed to "lamp" inside the material too
        "LVU",  # short: left to the evidence check
    ):
        assert vocabulary.knows(analyze(word)[0]), word


def test_a_compound_whose_tail_the_stemmer_would_cut_again_is_known() -> None:
    # "yrkeserfarenhet" stems to "yrkeserfaren"; its tail "erfaren" is a stem of the
    # material already, which stemming again would cut to "erfar".
    vocabulary = CorpusVocabulary(analyze("Varje yrke kräver erfarenhet."))
    assert vocabulary.knows(analyze("yrkeserfarenhet")[0])
    assert not vocabulary.knows(analyze("yrkesförbud")[0])


def test_topics_the_material_never_names_are_unknown() -> None:
    vocabulary = CorpusVocabulary(WORDS)
    # "färd" and "sprut" are not words of the material, though "färdigheter" is and
    # "tjänst" ends "socialtjänsten": neither makes the compound known.
    terms = analyze("färdtjänst sprutbyte kontaktfamilj riksnormen")
    assert vocabulary.unknown(terms) == [t for t in terms if t != analyze("kontaktfamilj")[0]]
    assert vocabulary.unknown(analyze("LSS IFO 2023 kort")) == []  # short or not words


def test_a_long_word_mistyped_by_one_letter_is_known() -> None:
    vocabulary = CorpusVocabulary(WORDS)
    for typo in ("socialtjänsetn", "orosanmälna", "massflyktsdirektviet", "bedömnnig"):
        assert vocabulary.knows(analyze(typo)[0]), typo
    # Two letters off, or a short word, is not a typo of a known word. (Nor, a known gap, is
    # a dropped letter before an ending the stemmer then keeps: "massflyktsdirektvet".)
    for other in ("socailtjänsetn", "riksnormen", "fyllnad"):
        assert not vocabulary.knows(analyze(other)[0]), other


def test_the_vocabulary_of_the_index_is_built_once(sample_services: Services) -> None:
    retriever = Retriever(sample_services)
    vocabulary = retriever.vocabulary()
    assert len(vocabulary) > 2000
    assert vocabulary.knows(analyze("beprövad")[0]) and vocabulary.knows(analyze("LVU")[0])
    assert not vocabulary.knows(analyze("färdtjänst")[0])
    assert Retriever(sample_services).vocabulary() is vocabulary  # cached on the services


def test_rare_words_weigh_more_than_common_ones() -> None:
    frequency = {"socialtjanst": 40, "stockholm": 1}
    vocabulary = CorpusVocabulary(frequency, chunk_frequency=frequency, chunks=50)
    common, rare = vocabulary.weight("socialtjanst"), vocabulary.weight("stockholm")
    assert 0 < common < rare
    assert vocabulary.weight("fardtjanst") > rare  # never in the material: weighs most
    # A question's stem that a vocabulary term starts with (or the reverse) takes its weight.
    assert vocabulary.weight("socialtjansten") == common
    assert CorpusVocabulary(frequency).weight("stockholm") == 1.0  # no frequencies: counted
