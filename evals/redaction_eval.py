"""The redaction set (``needs_redaction``): generated, and the redactor measured on it.

Seeded questions with the exact spans of every piece of personal data, and clean questions
full of social-services words that must survive. The names come from this file's own
pools, which include names that are *not* on the redactor's bundled list, so recall is not
measured against the list. ``python -m evals.needs_eval --generate`` rewrites the set.
"""

from __future__ import annotations

import random
from typing import Any

FIRST = [
    "Anna", "Maria", "Karin", "Sara", "Emma", "Elin", "Ida", "Johan", "Erik", "Lars",
    "Mikael", "Anders", "Fatima", "Mohammed", "Ahmed", "Amina", "Zahra", "Omar", "Hassan",
    "Nora", "Alva", "Wilma", "Liam", "Noah", "Hugo", "Olle", "Linnea", "Sofia", "Jonas",
    "Per", "Bo", "Eva", "Astrid", "Ali", "Leila", "Elif", "Milan", "Olga", "Tove", "Kalle",
]  # fmt: skip
# Not on the redactor's list: only context can catch these.
RARE_FIRST = [
    "Aino", "Wilhelmina", "Jovana", "Kerttu", "Dalia", "Amadou", "Idun", "Rahel", "Birk",
    "Teodor", "Solveig", "Hamza", "Nasra", "Viggo", "Esmeralda", "Yonas", "Lejla", "Ragnar",
]  # fmt: skip
LAST = [
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Svensson",
    "Persson", "Lindberg", "Berg", "Lund", "Holm", "Hosseini", "Yilmaz", "Nguyen", "Ahmed",
    "Warsame", "Lindqvist", "Sjöberg", "Ekström",
]  # fmt: skip
RARE_LAST = ["Tapper", "Kivimäki", "Oduya", "Rexhepi", "Grönvall", "Haapala", "Mbeki", "Vinge"]
STREETS = [
    "Storgatan", "Kungsgatan", "Drottninggatan", "Vasagatan", "Ringvägen", "Björkvägen",
    "Skolgatan", "Linnégatan", "Tallstigen", "Ekbacken", "Prästgårdsgränd", "Stortorget",
]  # fmt: skip
CITIES = ["Göteborg", "Malmö", "Uppsala", "Borås", "Lund", "Kiruna", "Umeå", "Västerås"]
ROLES = [
    "Min klient", "Klienten", "Mamman", "Pappan", "Pojken", "Flickan", "Brukaren",
    "Vårdnadshavaren", "Ungdomen", "Vår klient",
]  # fmt: skip
TOPICS = [
    "har ansökt om försörjningsstöd men saknar ID-handling, vad gäller?",
    "har fått avslag på LSS-insats, hur överklagar vi?",
    "är placerad enligt LVU och vill träffa sin mamma, hur bedömer vi umgänget?",
    "dricker varje dag och vill ha hjälp, vilka insatser finns?",
    "har hyresskuld och riskerar vräkning, kan vi bevilja bistånd?",
    "utsätts för våld av sin partner, hur gör vi en riskbedömning?",
    "har demens och bor ensam, hur planerar vi hemtjänsten?",
    "har schizofreni och behöver boendestöd, vad säger Socialstyrelsen?",
    "har inte gått i skolan på tre månader, vad kan Barn och unga erbjuda?",
    "vill ha personlig assistans enligt LSS, hur räknar vi grundläggande behov?",
]


def _luhn_digit(nine: str) -> str:
    total = 0
    for i, ch in enumerate(nine):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


def _identity(rng: random.Random, coordination: bool) -> tuple[str, str]:
    year = rng.randint(1930, 2022)
    month = rng.randint(1, 12)
    day = rng.randint(1, 28) + (60 if coordination else 0)
    serial = f"{rng.randint(0, 999):03d}"
    yymmdd = f"{year % 100:02d}{month:02d}{day:02d}"
    check = _luhn_digit(yymmdd + serial)
    form = rng.choice(["12dash", "12", "10dash", "10", "10plus" if year < 1925 else "10dash"])
    tail = serial + check
    text = {
        "12dash": f"{year}{month:02d}{day:02d}-{tail}",
        "12": f"{year}{month:02d}{day:02d}{tail}",
        "10dash": f"{yymmdd}-{tail}",
        "10": f"{yymmdd}{tail}",
        "10plus": f"{yymmdd}+{tail}",
    }[form]
    return text, "samordningsnummer" if coordination else "personnummer"


def _phone(rng: random.Random) -> str:
    def d(n: int) -> str:
        return "".join(str(rng.randint(0, 9)) for _ in range(n))

    return rng.choice(
        [
            f"07{rng.choice('02369')}-{d(3)} {d(2)} {d(2)}",
            f"07{rng.choice('02369')}{d(7)}",
            f"+46 7{rng.choice('02369')} {d(3)} {d(2)} {d(2)}",
            f"08-{d(3)} {d(3)} {d(2)}",
            f"031-{d(2)} {d(2)} {d(2)}",
            f"0{rng.randint(11, 99)}-{d(3)} {d(3)}",
        ]
    )


class _Builder:
    """Builds a text piece by piece and records the span of each piece of personal data."""

    def __init__(self) -> None:
        self.text = ""
        self.spans: list[dict[str, Any]] = []

    def add(self, piece: str, kind: str | None = None) -> _Builder:
        if kind:
            self.spans.append(
                {"start": len(self.text), "end": len(self.text) + len(piece), "kind": kind}
            )
        self.text += piece
        return self


def _name(rng: random.Random, rare: bool) -> str:
    first = rng.choice(RARE_FIRST if rare else FIRST)
    if rng.random() < 0.5:
        return first
    return f"{first} {rng.choice(RARE_LAST if rare and rng.random() < 0.5 else LAST)}"


def _pii_question(rng: random.Random) -> dict[str, Any]:
    b = _Builder()
    rare = rng.random() < 0.25
    style = rng.randrange(6)
    topic = rng.choice(TOPICS)
    if style == 0:
        b.add(f"{rng.choice(ROLES)} ").add(_name(rng, rare), "namn")
        number, kind = _identity(rng, rng.random() < 0.2)
        b.add(", ").add(number, kind).add(f", {topic}")
    elif style == 1:
        b.add(f"{rng.choice(ROLES)} heter ").add(_name(rng, rare), "namn")
        b.add(f" och {topic} Ring mig på ").add(_phone(rng), "telefon").add(".")
    elif style == 2:
        name = _name(rng, rare)
        b.add("Hur hjälper vi ").add(name, "namn").add(" som bor på ")
        b.add(f"{rng.choice(STREETS)} {rng.randint(1, 120)}", "adress")
        if rng.random() < 0.6:
            b.add(", ").add(f"{rng.randint(100, 989)} {rng.randint(10, 99)}", "postnummer")
            b.add(f" {rng.choice(CITIES)}")
        b.add("? Hon " + topic)
    elif style == 3:
        first = rng.choice(RARE_FIRST if rare else FIRST)
        last = rng.choice(LAST).lower()
        domain = rng.choice(["gmail.com", "hotmail.se", "outlook.com", "telia.com"])
        mail = f"{first.lower()}.{last}@{domain}"
        b.add("Kan ").add(f"{first}", "namn").add(" mejla handlingarna till ").add(mail, "epost")
        b.add(f"? Hen {topic}")
    elif style == 4:
        number, kind = _identity(rng, rng.random() < 0.3)
        b.add("Gäller ").add(number, kind).add(f": personen {topic}")
    else:
        b.add("Familjen ").add(rng.choice(LAST + RARE_LAST), "namn")
        b.add(f" med tre barn {topic} Pappan ").add(rng.choice(FIRST + RARE_FIRST), "namn")
        b.add(" nås på ").add(_phone(rng), "telefon").add(".")
    return {"text": b.text, "pii": b.spans}


CLEAN = [
    "Hur gör man en orosanmälan enligt LVU när barnet är 15 år?",
    "Vad säger Socialstyrelsen om BBIC i utredningar inom Barn och unga?",
    "Vilka LSS-insatser kan en person i personkrets 1 få?",
    "Gäller 5 kap. 1 § SoL även för ekonomiskt bistånd från 1 juli 2025?",
    "Hur tillämpas socialtjänstlagen (2025:400) i Göteborg och Malmö?",
    "Vad innebär LVM 4 § för vuxna med missbruk?",
    "Finns det en vägledning från SKR om kunskapsstyrning för RSS?",
    "Hur många barn placerades enligt LVU under 2024 i Lund?",
    "Vilka riktlinjer har IVO för lex Sarah inom äldreomsorgen?",
    "Hur fungerar ekonomiskt bistånd för en familj med 3 barn och 12 000 kr i inkomst?",
    "Vad kostar en plats på HVB per dygn, ungefär 4 500 kr?",
    "Per månad, hur mycket räknas för hushållsgemensamma kostnader i riksnormen?",
    "Bo kvar hemma med hemtjänst eller flytta till särskilt boende, hur bedömer vi?",
    "Klara sig själv i hemmet, hur bedöms det vid ansökan om hemtjänst?",
    "Vad säger Kunskapsguiden om Barnahus och samverkan med polisen?",
    "Hur använder vi ASI och AUDIT i Vuxna / skadligt bruk och beroende?",
    "Vad gäller enligt Dnr 2024/123 i socialnämndens delegationsordning?",
    "Vilket stöd ger Försäkringskassan och Arbetsförmedlingen vid etablering?",
    "Hur skriver man en genomförandeplan och en handlingsplan för SIP?",
    "Kan FoU i Väst hjälpa oss med uppföljning av evidensbaserad praktik?",
    "Vad säger SBU om föräldrastödsprogram för barn 3–12 år?",
    "Hur hanterar vi våld i nära relationer enligt SOSFS 2014:4?",
    "Mötesplatsen för unga vuxna, vilka metoder fungerar där?",
    "Vilka regler gäller för boende med särskild service enligt 9 § 9 LSS?",
    "Hur länge ska journaler i socialtjänsten sparas enligt arkivlagen?",
    "Stödboende för unga 18–20 år, vad säger forskningen?",
    "Hur räknar man ut försörjningsstöd för januari 2026?",
    "Vilka krav ställer NSK-S på den regionala behovsinventeringen?",
    "Finns det en mall för SIP-möten med BUP och skolan?",
    "Hur påverkar Barnkonventionen bedömningen av barnets bästa?",
]


def generate_redaction_set(n: int = 600, seed: int = 20250701) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        if i % 5 == 4:
            # One in five questions has no personal data: they measure false redactions.
            base = rng.choice(CLEAN)
            rows.append({"text": base, "pii": []})
        else:
            rows.append(_pii_question(rng))
    return rows


def measure_redaction(rows: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    from assistant.needs.redact import redact
    from evals.needs_eval import load_set

    rows = rows if rows is not None else load_set("redaction.jsonl")
    total = found = false = 0
    per_kind: dict[str, list[int]] = {}
    questions_with_false = 0
    clean_questions = clean_changed = 0
    for row in rows:
        result = redact(row["text"])
        spans = result.spans
        for pii in row["pii"]:
            covered = any(s <= pii["start"] and pii["end"] <= e for s, e in spans)
            total += 1
            found += covered
            per_kind.setdefault(pii["kind"], [0, 0])
            per_kind[pii["kind"]][0] += covered
            per_kind[pii["kind"]][1] += 1
        extra = [
            (s, e) for s, e in spans if not any(s < p["end"] and p["start"] < e for p in row["pii"])
        ]
        false += len(extra)
        questions_with_false += bool(extra)
        if not row["pii"]:
            clean_questions += 1
            clean_changed += result.text != row["text"]
    return {
        "questions": len(rows),
        "pii_items": total,
        "recall": round(found / total, 4) if total else 1.0,
        "recall_per_kind": {k: round(v[0] / v[1], 4) for k, v in sorted(per_kind.items())},
        "false_redactions": false,
        "false_redaction_rate_per_question": round(questions_with_false / len(rows), 4),
        "clean_questions": clean_questions,
        "clean_questions_changed": clean_changed,
    }
