"""Redaction: examples, property-based tests for identity numbers, and the measured floor."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.needs.redact import redact
from evals.needs_eval import load_set
from evals.redaction_eval import measure_redaction


def luhn(nine: str) -> str:
    total = 0
    for i, ch in enumerate(nine):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


@st.composite
def identity_numbers(draw: st.DrawFn) -> tuple[str, str, str]:
    """A valid personnummer/samordningsnummer in one of the common written forms."""
    day = draw(st.dates(dt.date(1900, 1, 1), dt.date(2024, 12, 31)))
    coordination = draw(st.booleans())
    dd = day.day + (60 if coordination else 0)
    serial = draw(st.integers(0, 999))
    yymmdd = f"{day.year % 100:02d}{day.month:02d}{dd:02d}"
    tail = f"{serial:03d}{luhn(yymmdd + f'{serial:03d}')}"
    century = f"{day.year // 100}"
    form = draw(st.sampled_from(["10", "10-", "10+", "12", "12-", "10 "]))
    sep = form[2:] if len(form) > 2 else ""
    text = (century if form.startswith("12") else "") + yymmdd + sep + tail
    kind = "samordningsnummer" if coordination else "personnummer"
    return text, kind, tail


@settings(max_examples=300, deadline=None)
@given(
    number=identity_numbers(),
    before=st.sampled_from(["", "Klienten ", "pnr: ", "(", "Gäller "]),
    after=st.sampled_from(["", " har ansökt.", ").", ", hur gör vi?"]),
)
def test_valid_identity_numbers_are_always_redacted(
    number: tuple[str, str, str], before: str, after: str
) -> None:
    text, kind, tail = number
    result = redact(before + text + after)
    assert tail not in result.text
    assert (kind, f"[{kind.upper()}]") in result.found
    assert result.text == before + f"[{kind.upper()}]" + after


@settings(max_examples=300, deadline=None)
@given(digits=st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_bare_digit_runs_with_a_wrong_check_digit_are_left(digits: str) -> None:
    ok_date = True
    try:
        dt.date(2000 + int(digits[:2]), int(digits[2:4]), int(digits[4:6]) % 60 or 99)
    except ValueError:
        ok_date = False
    nine, check = digits[:9], digits[9]
    result = redact(f"Ärende {digits} gäller bistånd")
    if luhn(nine) != check or not ok_date:
        assert not any(k in ("personnummer", "samordningsnummer") for k, _ in result.found)


@settings(max_examples=200, deadline=None)
@given(number=identity_numbers())
def test_result_never_holds_the_value(number: tuple[str, str, str]) -> None:
    result = redact(f"Min klient {number[0]}")
    assert number[0] not in repr(result)


def test_mistyped_personnummer_with_separator_is_still_redacted() -> None:
    # domain.md's own example has a wrong check digit; a mistyped number still identifies.
    assert redact("Min klient Anna, 19850312-1234, har…").text == (
        "Min klient [NAMN], [PERSONNUMMER], har…"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ring 070-123 45 67 eller +46 70 123 45 67", "Ring [TELEFON] eller [TELEFON]"),
        ("Mejla anna.svensson@gmail.com", "Mejla [EPOST]"),
        (
            "Hon bor på Storgatan 12 B, 411 38 Göteborg.",
            "Hon bor på [ADRESS], [POSTNUMMER] Göteborg.",
        ),
        ("Pappan Mohammed Hassan vill veta", "Pappan [NAMN] vill veta"),
        ("familjen Lund har tre barn", "familjen [NAMN] har tre barn"),
        ("Flickan heter Kerttu och är 12 år", "Flickan heter [NAMN] och är 12 år"),
        ("min klient anna andersson undrar", "min klient [NAMN] undrar"),
        ("Hur mår Solveig Eriksson?", "Hur mår [NAMN]?"),
        # Names on no list, identified by the personnummer right after them.
        ("och Elvin, 150312-1236, har bott", "och [NAMN], [PERSONNUMMER], har bott"),
        ("för Olena Kovalenko, 900101-2389, som", "för [NAMN], [PERSONNUMMER], som"),
    ],
)
def test_examples(text: str, expected: str) -> None:
    assert redact(text).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "Hur gör man en orosanmälan enligt LVU?",
        "Vad säger Socialstyrelsen om LSS och Barn och unga?",
        "Per månad, hur mycket räknas i riksnormen?",
        "Bo kvar hemma eller flytta till särskilt boende?",
        "Gäller 5 kap. 1 § SoL (2025:400) från 2025-07-01?",
        "Vad gäller enligt Dnr 2024/123 och SOSFS 2014:4?",
        "Jämför Lund och Göteborg, Falkenberg kommun.",
        "Skriv en genomförandeplan och handlingsplan för SIP med BUP.",
    ],
)
def test_social_services_words_are_not_redacted(text: str) -> None:
    assert redact(text).text == text


# Floors at the figures measured in docs/needs.md (recall 0.970, no false redactions);
# lower them only with a documented reason.
def test_measured_recall_and_false_redactions_on_generated_set() -> None:
    report = measure_redaction()
    assert report["questions"] >= 500
    assert report["recall"] >= 0.97
    for kind in ("personnummer", "samordningsnummer", "telefon", "epost", "adress"):
        assert report["recall_per_kind"][kind] == 1.0, kind
    assert report["recall_per_kind"]["namn"] >= 0.93
    assert report["false_redactions"] == 0


def test_no_false_redactions_in_hand_written_questions() -> None:
    clean = [{"text": r["question"], "pii": []} for r in load_set("paraphrases.jsonl")]
    clean += [{"text": r["question"], "pii": []} for r in load_set("heldout.jsonl")]
    assert measure_redaction(clean)["false_redactions"] == 0
