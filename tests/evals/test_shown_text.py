"""The audit of what a reader sees of a quoted answer (evals/shown_text.py)."""

from __future__ import annotations

import pytest

from evals.shown_text import defects, piece_defects, pieces, summarise

INTRO = "Så här beskriver underlaget det:\n\n"


def test_pieces_are_the_quotes_before_each_marker_without_the_framing_line() -> None:
    answer = INTRO + "Första meningen [1]. Andra meningen [1].\n\nTredje [2]."
    assert pieces(answer) == ["Första meningen", "Andra meningen", "Tredje"]


# Each was seen in an answer of the development sets before the display cleaned it.
@pytest.mark.parametrize(
    ("piece", "kind"),
    [
        ("- **Tid för respektive nätverk", "markup"),
        ("- *Att leda för kunskap*", "markup"),
        ("Dialogen fortsätter. ✓ Dialog kring 30 mars", "markup"),
        ("## Om beprövad erfarenhet i socialt arbete", "markup"),
        ("* Denna tioåriga satsning inleddes 2017", "markup"),
        ("att leda utvecklingsprocesser. » Utveckla uppföljning av resultat", "markup"),
        ("Modellen hjälper organisationer®® att överbrygga", "footnote_mark"),
        ("FoU-rådet består av fyra avdelningschefer'® som", "footnote_mark"),
        ("vilka behov som finns i kommunerna.'?", "footnote_mark"),
        ("%7 Verktyg, metoder | SKR kunskap också integreras i modellen", "footnote_text"),
        ("I de rapporter som FoU i Väst publicerar bygger %6 Se SKR:s hemsida", "footnote_text"),
        ("Huvudmannagruppen | SKR 7 Partnerskapet, socialtjänst | SKR", "footnote_text"),
        ("% Inom GR planeras flera utbildningar i relation till den nya lagen", "footnote_text"),
        ("e Funktionshinder för utförare, 2024", "ocr_bullet"),
        ("o Äldreområdet för utförare, publiceras hösten 2025", "ocr_bullet"),
        ("inom socialtjänsten: e Barn och unga, 2022; e Funktionshinder, 2024", "ocr_bullet"),
        ("myndighetsutövning, mars 2025 o Äldreområdet för utförare", "ocr_bullet"),
        ("ska de ge dig hjälp som du behöver.Som familjehem får du ersättning", "run_together"),
        ("utifrån en kunskapsbas som utgår ifrån vetenskap och beprövad erfarenhet", "fragment"),
        ("[ stället brukar forskningskunskap påverka utvecklingen", "fragment"),
    ],
)
def test_each_kind_of_defect_is_found(piece: str, kind: str) -> None:
    assert kind in piece_defects(piece)


@pytest.mark.parametrize(
    "piece",
    [
        "Beprövad erfarenhet är kunskap som är provad, dokumenterad och genererad av många",
        "Anteckningar möte 2022-05-06, kl. 09:00-15:00",
        "(...) En poäng med beprövad erfarenhet är alltså att den kan spridas till andra",
        "...utvärderingens centrala uppgift är att uttrycka ett värdeomdöme",
        "Enligt 5 kap. 1 § SoL ska nämnden verka för att barn växer upp tryggt",
        "Andelen steg från 45 % till 60 % av kommunerna",  # a per cent sign after a number
        "Andelen var 45% år 2023",
        "Det gäller inom skolan. | detta fall är flera forskare knutna",  # OCR's "I"
        "- Vad kostar det?",
        "- vad kostar det",  # a list's item, shown one to a line
        "Läs mer på Kunskapsguiden.se om familjehem",  # a domain, not two sentences
        "Det står i SoL.Det gäller alla",  # after an abbreviation in capitals: left alone
        "Boken heter »Socialt arbete» och kom ut 2020",  # guillemets as quote marks
    ],
)
def test_clean_prose_has_no_defect(piece: str) -> None:
    assert piece_defects(piece) == set()


def test_a_lower_case_start_is_a_fragment_but_an_ocr_bullet_is_not_both() -> None:
    assert piece_defects("e Funktionshinder för utförare, 2024") == {"ocr_bullet"}
    assert piece_defects("e-tjänsten öppnas den 1 juli") == {"fragment"}


def test_a_sentence_quoted_twice_is_repeated_whatever_its_marker_and_case() -> None:
    answer = INTRO + "Modellen består av två steg [1].\n\nmodellen består av två steg [2]."
    assert "repeated" in defects(answer)
    assert defects(INTRO + "Modellen har två steg [1]. Steg ett är en inventering [1].") == set()


def test_a_footnote_read_as_a_question_mark_after_the_stop_is_a_footnote_mark() -> None:
    answer = INTRO + "GR är en av fyra strukturer inom hälso- och sjukvård [1].? I landet [1]."
    assert defects(answer) == {"footnote_mark"}
    assert defects(INTRO + "Dessa är metodhandledare [1].?! Dessa personer [1].") == {
        "footnote_mark"
    }
    assert defects(INTRO + "Vad kostar det [1]? Det står inte [1].") == set()
    # ... or as an apostrophe: "… hur vi borde göra” [3].’ Seminarierna …".
    assert defects(INTRO + "Det är ”hur vi borde göra” [3].’ Seminarierna leds av dem [3].") == {
        "footnote_mark"
    }
    assert defects(INTRO + "Det kallas ’trappan’ av dem [1].") == set()


def test_summary_counts_answers_with_any_defect_and_each_kind() -> None:
    summary = summarise([{"markup", "fragment"}, set(), ["markup"], []])
    assert summary["answers"] == 4
    assert summary["with_defect"] == 2
    assert summary["share_with_defect"] == 0.5
    assert summary["by_kind"] == {
        "markup": 2,
        "footnote_mark": 0,
        "footnote_text": 0,
        "ocr_bullet": 0,
        "run_together": 0,
        "fragment": 1,
        "repeated": 0,
    }
    assert summarise([])["share_with_defect"] is None
