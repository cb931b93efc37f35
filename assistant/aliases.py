"""Names of Swedish public bodies, laws and roles and their acronyms, as one thing.

A user writes "SoS" where the text says "Socialstyrelsen", or "Sveriges Kommuner och
Landsting" where the minutes say "SKL". The answerability judge reads the evidence (and the
material's vocabulary) with the other forms added, so that neither spelling counts as a
name the material never mentions.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Each line: the forms of one name. Only unambiguous ones in social services.
ALIASES = (
    ("SoS", "Socialstyrelsen"),
    ("FoHM", "Folkhälsomyndigheten"),
    ("IVO", "Inspektionen för vård och omsorg"),
    ("SBU", "Statens beredning för medicinsk och social utvärdering"),
    ("MFoF", "Myndigheten för familjerätt och föräldraskapsstöd"),
    ("SKR", "Sveriges Kommuner och Regioner"),
    ("SKL", "Sveriges Kommuner och Landsting"),
    ("VGR", "Västra Götalandsregionen"),
    ("GR", "Göteborgsregionen", "Göteborgsregionens kommunalförbund"),
    ("ESF", "Europeiska socialfonden"),
    ("GD", "generaldirektör", "generaldirektören"),
    ("HVB", "hem för vård eller boende"),
    ("SoL", "socialtjänstlagen"),
    ("LVU", "lagen med särskilda bestämmelser om vård av unga"),
    ("LVM", "lagen om vård av missbrukare i vissa fall"),
    ("LSS", "lagen om stöd och service till vissa funktionshindrade"),
    ("FoU", "forskning och utveckling"),
    ("IFO", "individ- och familjeomsorg", "individ- och familjeomsorgen"),
    ("EBP", "evidensbaserad praktik"),
)


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[re.Pattern[str], tuple[str, ...]]]:
    out: list[tuple[re.Pattern[str], tuple[str, ...]]] = []
    for forms in ALIASES:
        for form in forms:
            # An acronym is matched as written (GR, not "gr" inside Swedish text); a name in
            # any case.
            flags = 0 if form.isupper() or (form[:1].isupper() and len(form) <= 5) else re.I
            out.append((re.compile(rf"(?<![\w-]){re.escape(form)}(?![\w])", flags), forms))
    return out


def with_aliases(text: str) -> str:
    """``text`` followed by the other forms of every name in ALIASES it mentions."""
    extra: list[str] = []
    for pattern, forms in _patterns():
        if pattern.search(text):
            extra.extend(f for f in forms if f not in extra)
    return f"{text} {' '.join(extra)}" if extra else text
