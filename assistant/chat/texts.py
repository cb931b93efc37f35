"""What the chat says to its users, in Swedish (and English where the question was English).

Chainlit's own interface texts live in `.chainlit/translations/sv-SE.json`; this module holds
the assistant's words: welcome, privacy warning, starters, settings labels, source cards.
"""

from __future__ import annotations

from dataclasses import dataclass

ASSISTANT_NAME = "Kunskapsassistenten"

WELCOME_SV = (
    "**Välkommen till Kunskapsassistenten.** Ställ en fråga om socialtjänstens arbete så "
    "svarar jag med stöd i det underlag som finns inläst: nationella kunskapsstöd, "
    "FoU-rapporter, minnesanteckningar och nyheter. Varje påstående har en källhänvisning "
    "[n] som du kan öppna för att se citatet, sidan och länken.\n\n"
    "Hittar jag inget svar i underlaget säger jag det, och frågan noteras då som ett "
    "möjligt kunskapsbehov.\n\n"
    "⚠️ **Skriv inte personuppgifter eller andra uppgifter om klienter** (namn, "
    "personnummer, adresser). Formulera frågan allmänt.\n\n"
    "Du kan avgränsa sökningen till verksamhetsområde och typ av källa under "
    "*Sökfilter* (reglageikonen vid skrivfältet)."
)

# Shown when the question was asked in English: the framing follows the user's language.
LABELS = {
    "sv": {
        "sources": "Källor",
        "publisher": "Utgivare",
        "doc_type": "Typ av källa",
        "page": "Sida",
        "pages": "Sidor",
        "page_estimated": "uppskattad",
        "section": "Avsnitt",
        "quote": "Citat",
        "link": "Öppna källan",
        "open_document": "Öppna dokumentet",
        "page_short": "s.",
        "no_link": "Källan finns inte publicerad på webben.",
        "need_not_saved": "(Frågan kunde inte sparas i registret över kunskapsbehov just nu.)",
        "filters_active": "Sökningen är avgränsad till",
        "error": "Något gick fel när svaret skulle tas fram. Försök igen om en stund.",
        "index_missing": (
            "Underlaget är inte inläst ännu, så jag kan inte svara. Kontakta den som "
            "förvaltar tjänsten (kommandot `kunskap ingest`)."
        ),
        "unanswered_hint": (
            "Du kan formulera om frågan eller ta bort avgränsningar under Sökfilter."
        ),
        "nearest": "Närmast i underlaget (besvarar inte frågan, men kan vara värt att läsa):",
        "status_partial": "Delvis besvarad: underlaget tar upp ämnet men inte det du frågar efter.",
    },
    "en": {
        "sources": "Sources",
        "publisher": "Publisher",
        "doc_type": "Type of source",
        "page": "Page",
        "pages": "Pages",
        "page_estimated": "estimated",
        "section": "Section",
        "quote": "Quote",
        "link": "Open the source",
        "open_document": "Open the document",
        "page_short": "p.",
        "no_link": "The source is not published on the web.",
        "need_not_saved": "(The question could not be saved in the knowledge-needs log just now.)",
        "filters_active": "The search is limited to",
        "error": "Something went wrong while producing the answer. Please try again shortly.",
        "index_missing": (
            "The material has not been loaded yet, so I cannot answer. Please contact the "
            "administrator of the service (command `kunskap ingest`)."
        ),
        "unanswered_hint": "You can rephrase the question or remove limits under Sökfilter.",
        "nearest": "Closest in the material (does not answer the question, but may be worth "
        "reading):",
        "status_partial": "Partly answered: the material treats the topic but not what you ask.",
    },
}


def label(language: str, key: str) -> str:
    return LABELS["en" if language == "en" else "sv"][key]


@dataclass(frozen=True)
class StarterSpec:
    label: str
    message: str


# Questions the sample corpus answers (checked by the browser test and docs/chat.md).
STARTERS = (
    StarterSpec("Beprövad erfarenhet", "Vad menas med beprövad erfarenhet?"),
    StarterSpec(
        "Lokala kunskapsbehov",
        "Hur ska kommunerna identifiera sina lokala behov av kunskap?",
    ),
    StarterSpec(
        "Stöd till föräldrar",
        "Vilket stöd ska föräldrar till placerade barn få av socialtjänsten?",
    ),
    StarterSpec(
        "Avgift på skyddat boende",
        "Får kommunen ta ut en avgift av en kvinna som bor på kvinnojour?",
    ),
)

SETTINGS_AREAS_ID = "areas"
SETTINGS_DOC_TYPES_ID = "doc_types"
SETTINGS_AREAS_LABEL = "Verksamhetsområde"
SETTINGS_AREAS_HELP = "Sök bara i källor från de valda områdena. Inget val: alla områden."
SETTINGS_DOC_TYPES_LABEL = "Typ av källa"
SETTINGS_DOC_TYPES_HELP = "Sök bara i de valda typerna av källor. Inget val: alla typer."
