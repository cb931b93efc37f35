"""The domain's fixed vocabularies: areas of social services and types of source.

Shared by the ingest (the manifest is checked against them), the needs register (a need's
area) and the chat and API (filters and labels), so they live below all of them.
"""

from __future__ import annotations

# The areas (verksamhetsområden) of domain.md, as slugs stored in the index.
AREAS: dict[str, str] = {
    "barn_och_unga": "Barn och unga",
    "vuxna_beroende": "Vuxna / skadligt bruk och beroende",
    "funktionshinder": "Funktionshinder",
    "socialpsykiatri": "Socialpsykiatri",
    "aldre": "Äldre",
    "ekonomiskt_bistand": "Ekonomiskt bistånd",
    "vald_i_nara_relationer": "Våld i nära relationer",
    "overgripande": "Övergripande (ledning, kunskapsstyrning)",
}

# Source types in the order a reader should weigh them (domain.md: law > national
# supports > R&D reports > meeting notes and news).
DOC_TYPES: dict[str, str] = {
    "lag": "Lag eller föreskrift",
    "kunskapsstod": "Nationellt kunskapsstöd",
    "evidenssammanstallning": "Evidenssammanställning",
    "faq": "Frågor och svar (kunskapsstöd)",
    "fou_rapport": "FoU-rapport",
    "minnesanteckningar": "Minnesanteckningar",
    "nyhet": "Nyhet",
    "ovrigt": "Övrigt",
}
