"""Cleaning on small made-up texts and on the real seed documents."""

from __future__ import annotations

import json

import pytest

from ingest.cleaning import clean_document
from ingest.documents import RawDocument, RawPage
from tests.utils.documents import FAQ, assert_spans_valid, raw_pdf_pages, raw_text, seed_text


def test_hyphen_joined_but_real_hyphens_kept() -> None:
    doc = clean_document(
        raw_text(
            "Rapporten handlar om lokal kunskaps-\nutveckling och om FoU-\nenheter i regionen "
            "som arbetar med individ-\noch familjeomsorg."
        )
    )
    assert "kunskapsutveckling" in doc.text
    assert "FoU-enheter" in doc.text
    assert "individ- och familjeomsorg" in doc.text


def test_hard_wrapped_paragraph_unwrapped_but_lists_and_breaks_kept() -> None:
    text = (
        "Socialarbetare beskriver hur de hämtar information och kunskap från olika\n"
        "områden eller metoder för att kunna bemöta situationer som ofta är komplexa\n"
        "och föränderliga.\n"
        "\n"
        "Det finns tre saker att tänka på när man inför en ny metod i verksamheten:\n"
        "- kostnaden för utbildning\n"
        "- effekten för brukaren\n"
        "\n"
        "Nästa stycke börjar här och är kort.\n"
    )
    doc = clean_document(raw_text(text))
    paragraphs = doc.text.split("\n\n")
    assert paragraphs[0] == (
        "Socialarbetare beskriver hur de hämtar information och kunskap från olika områden "
        "eller metoder för att kunna bemöta situationer som ofta är komplexa och föränderliga."
    )
    assert "- kostnaden för utbildning\n- effekten för brukaren" in doc.text
    assert paragraphs[-1].strip() == "Nästa stycke börjar här och är kort."


def test_sentence_broken_by_blank_line_is_rejoined() -> None:
    text = (
        "Beprövad erfarenhet är erfarenhet som provats och bedömts genom exempelvis\n"
        "\n"
        "systematisk uppföljning eller utvärdering. Den ska inte förväxlas med praxis som\n"
        "etablerats utan någon form av kvalificerad bedömning av verksamheten idag.\n"
    )
    doc = clean_document(raw_text(text))
    assert "genom exempelvis systematisk uppföljning" in doc.text
    assert [s.heading for s in doc.sections] == [None]


def test_repeated_text_headers_removed_but_labels_names_and_lists_kept() -> None:
    header = "Kommunens rapport om stöd\nEtt diskussionsunderlag\nSocialkontoret\n"
    body = (
        "Från gruppdiskussionerna:\n\n"
        "- Viktigt att fråga brukaren\n\n"
        "Maria Havseng, Kungälv\n\n"
        "Text om arbetet i förvaltningen under vecka {n}.\n\n"
    )
    text = "Inledning\n\n" + "".join(f"{header}\n{body.format(n=n)}" for n in range(3))
    doc = clean_document(raw_text(text))
    assert "Ett diskussionsunderlag" not in doc.text
    assert "Socialkontoret" not in doc.text
    assert "Kommunens rapport om stöd" not in doc.text
    assert doc.text.count("Från gruppdiskussionerna:") == 3
    assert doc.text.count("- Viktigt att fråga brukaren") == 3
    assert doc.text.count("Maria Havseng, Kungälv") == 3


def test_pdf_running_headers_and_page_numbers_removed_pages_exact() -> None:
    topics = ["barn och unga", "ekonomiskt bistånd", "äldreomsorgen", "funktionsstöd"]
    pages = [
        f"Socialnämndens årsrapport 2024\nStycke {n} om {topic}.\nMer om {topic}.\nSida {n} av 4"
        for n, topic in enumerate(topics, 1)
    ]
    doc = clean_document(raw_pdf_pages(pages))
    assert "Socialnämndens årsrapport" not in doc.text
    assert "Sida" not in doc.text
    assert [(p.number, p.estimated) for p in doc.pages] == [(n, False) for n in range(1, 5)]
    for p in doc.pages:
        assert f"Stycke {p.number} om" in doc.text[p.start : p.end]
    assert_spans_valid(doc)


def test_pdf_sentence_continues_across_page_break() -> None:
    doc = clean_document(
        raw_pdf_pages(
            [
                "Första sidan har en lång mening som fortsätter på nästa sida utan att ta slut",
                "eftersom den bröts av sidbrytningen. Sedan kommer en ny mening på sidan två.",
            ]
        )
    )
    assert "ta slut eftersom den bröts" in doc.text
    two = doc.pages[1]
    assert doc.text[two.start :].startswith("eftersom")
    assert doc.pages_between(0, 5) == (1, 1, False)


def test_text_page_markers_become_interpolated_pages() -> None:
    filler = "Text om socialtjänstens arbete med kunskap och uppföljning i förvaltningen.\n"
    parts = ["Inledning\n\n", filler * 10]
    for n in (4, 6):
        parts += [f"\nRapportens titel {n} (8)\nEtt underlag\n\n", filler * 10]
    parts += ["\nRapportens titel 8 (8)\nEtt underlag\n\n", "Sista sidan.\n"]
    doc = clean_document(raw_text("".join(parts)))
    assert "(8)" not in doc.text and "Rapportens titel" not in doc.text
    numbers = [p.number for p in doc.pages]
    assert numbers == sorted(numbers) and {4, 5, 6, 7, 8} <= set(numbers)
    assert all(p.estimated for p in doc.pages if p.number in (4, 5, 6, 7))
    # Page 4 starts where its marker stood: right before the second block of filler.
    four = next(p for p in doc.pages if p.number == 4)
    five = next(p for p in doc.pages if p.number == 5)
    six = next(p for p in doc.pages if p.number == 6)
    assert abs((five.start - four.start) - (six.start - five.start)) <= 1  # evenly shared
    assert_spans_valid(doc)


def test_plain_text_without_markers_has_no_pages() -> None:
    assert clean_document(raw_text("Bara text.\n")).pages == []


def test_sections_from_markdown_and_plain_headings() -> None:
    md = clean_document(
        raw_text("Intro.\n\n## **Rubrik ett**\n\nText ett.\n\n### Två\n\nText två.")
    )
    assert [s.heading for s in md.sections] == [None, "Rubrik ett", "Två"]
    assert "##" not in md.text and "**" not in md.text
    plain = clean_document(
        raw_text(
            "Sammanfattning\n\nBakgrund\n\nDet här är bakgrunden till rapporten.\n\n"
            "2.1.2 Metod och material\n\nVi intervjuade tolv socialsekreterare.\n\n"
            "Iréne Blomqvist, Ale\n\nSista raden med punkt.\n"
        )
    )
    assert [s.heading for s in plain.sections] == [
        "Sammanfattning",
        "Bakgrund",
        "2.1.2 Metod och material",
    ]
    assert_spans_valid(md)
    assert_spans_valid(plain)


def test_jsonl_section_hint_is_the_section() -> None:
    doc = clean_document(raw_text("Svar på frågan.", section_hint="Frågor om LVU"))
    assert [(s.start, s.end, s.heading) for s in doc.sections] == [
        (0, len(doc.text), "Frågor om LVU")
    ]


def test_metadata_warnings_title_and_language_carried_over() -> None:
    raw = RawDocument(
        doc_id="d",
        title="T",
        pages=[RawPage("Detta är en svensk text om socialtjänstens stöd till barn och unga.")],
        metadata={"source_id": "s", "path": "p.txt", "format": "txt"},
        warnings=["sida 2 saknar textlager (inskannad sida?)"],
    )
    doc = clean_document(raw, ocr_repair=False)
    assert (doc.title, doc.metadata["path"], doc.warnings) == ("T", "p.txt", raw.warnings)
    assert doc.language == "sv"
    assert "ocr" not in doc.stats


def test_a_pages_footnotes_are_marked_and_left_in_the_text() -> None:
    # The OCR export of seed 004: footnotes stand between a page's last line and the next
    # page's first line, which is indented by one space. Unwrapping runs them into the
    # sentence; the text stays so (it is what is searched), the footnote gets a span.
    text = (
        "Metodhandledare och 1:e socialsekreterare arbetar med att ge stöd i det dagliga\n"
        "arbetet och på metodhandledarna ligger att fånga upp utmaningar och\n"
        "\n"
        "22 En av enheterna har sedan ungefär tio år arbetat med en snarlik modell.\n"
        " framgångar så att dessa kan vävas in i enhetens analysarbete och följas upp\n"
        "över tid i verksamheten.\n"
    )
    doc = clean_document(raw_text(text))
    assert doc.stats["footnote_blocks"] == 1
    assert [doc.text[a:b] for a, b in doc.footnotes] == [
        "22 En av enheterna har sedan ungefär tio år arbetat med en snarlik modell."
    ]
    assert "modell. framgångar så att" in doc.text


def test_a_footnote_of_two_lines_and_ocrd_numbers_is_one_span() -> None:
    text = (
        "Därutöver stödjer man kommunerna med statistik- och analyskapacitet. I de rapporter\n"
        "som FoU i Väst publicerar bygger\n"
        "\n"
        "%6 Se SKR:s hemsida Regional samverkan och stödstruktur, RSS | SKR\n"
        "[ FoU i Väst | Göteborgsregionen (GR)\n"
        "\n"
        " man också in bästa tillgängliga kunskap, för att kommunerna ska få ett samlat stöd\n"
        "för det man fortsatt behöver arbeta med eller utveckla.\n"
    )
    doc = clean_document(raw_text(text))
    assert [doc.text[a:b] for a, b in doc.footnotes] == [
        "%6 Se SKR:s hemsida Regional samverkan och stödstruktur, RSS | SKR "
        "[ FoU i Väst | Göteborgsregionen (GR)"
    ]


def test_numbered_text_that_is_not_followed_by_a_page_start_is_not_a_footnote() -> None:
    text = (
        "Rapporten har flera delar som beskrivs nedan i tur och ordning för läsaren här.\n"
        "\n"
        "3 Metod och material\n"
        "\n"
        "Vi har intervjuat femtio personer i fyra förvaltningar och läst deras dokument.\n"
    )
    doc = clean_document(raw_text(text))
    assert doc.stats["footnote_blocks"] == 0
    assert doc.footnotes == []
    assert "3 Metod och material" in [s.heading for s in doc.sections]


# -- the real seeds ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def report():
    return clean_document(raw_text(seed_text("004"), doc_id="004"))


def test_seed_004_headers_markers_and_pages(report) -> None:
    text = report.text
    assert "Ett diskussionsunderlag" not in text
    assert "(70)" not in text
    assert "2025-04-23" not in text
    assert report.stats["page_markers"] == 4
    # The marker "10 (70)" stands at the top of page 10: the sentence it interrupted
    # ("De kan dock ge annan | vardefull kunskap") is joined and starts on page 9.
    at = text.index("De kan dock ge annan värdefull kunskap")
    assert report.pages_between(at, at + 10)[0] == 9
    later = text.index("Framför allt om känslor")
    assert report.pages_between(later, later + 5)[0] == 10
    assert all(p.estimated for p in report.pages)
    assert_spans_valid(report)


def test_seed_004_sections_and_repair(report) -> None:
    headings = [s.heading for s in report.sections]
    assert headings[:3] == ["Sammanfattning", "Bakgrund", "Att använda och producera kunskap"]
    assert "1.1 Uppdraget" in headings
    ocr = report.stats["ocr"]
    assert ocr["applied"] and ocr["unknown_after"] < ocr["unknown_before"] / 4
    assert "engagerade i systematisk uppföljning" in report.text


def test_seed_004_footnotes_are_marked(report) -> None:
    notes = [report.text[a:b] for a, b in report.footnotes]
    assert len(notes) >= 15
    assert "% Forte - Forskningsrådet för hälsa, arbetsliv och välfärd" in notes
    assert all(note[:1].isdigit() or note[:1] in "%'’" for note in notes)
    # The body text around them stays as unwrapping left it.
    assert "licentiatexamen\n\n% Forte - Forskningsrådet" in report.text


def test_seed_001_repeated_meeting_header_removed_once_kept() -> None:
    doc = clean_document(raw_text(seed_text("001")))
    assert doc.text.count("Anteckningar till möte på GR 2023-03-24") == 1
    assert doc.text.startswith("Anteckningar till möte på GR 2023-03-24")
    assert "Dialog kring målgrupp som vi behöver fortsätta framöver" in doc.text
    assert doc.text.count("Maria Havseng, Kungälv") == 2
    assert_spans_valid(doc)


def test_seed_002_website_footer_dropped() -> None:
    doc = clean_document(raw_text(seed_text("002")))
    for line in ("Twitter", "Facebook", "Youtube", "Rss", "Prenumerera", "LinkedIn"):
        assert f"\n{line}\n" not in doc.text
    assert "Kontaktpersoner på GR" in doc.text
    assert [s.heading for s in doc.sections][1:] == [
        "Behov av mer anpassat stöd",
        "Modellen består av två steg",
        "Återkoppling ska ske till kommunerna",
    ]


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003"])
def test_clean_seeds_are_not_ocr_repaired(prefix: str) -> None:
    doc = clean_document(raw_text(seed_text(prefix)))
    assert doc.stats["ocr"]["applied"] is False
    assert doc.stats["ocr"]["repaired"] == 0
    assert doc.language == "sv"
    assert_spans_valid(doc)


def test_faq_answers_are_untouched_by_ocr_repair() -> None:
    for line in FAQ.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        doc = clean_document(raw_text(row["text"], section_hint=row["category"]))
        assert doc.stats["ocr"]["repaired"] == 0, row["id"]
        assert doc.text.strip() == row["text"].strip(), row["id"]
        assert_spans_valid(doc)
