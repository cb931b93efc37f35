"""Measure the needs register: redaction, grouping and area classification.

    .venv/bin/python -m evals.needs_eval            # print the figures (JSON)
    .venv/bin/python -m evals.needs_eval --generate # rewrite the generated redaction set

Datasets (``evals/datasets/needs_*/``, listed in ``evals/datasets/manifest.yaml``):
- ``redaction.jsonl`` (``needs_redaction``): generated questions (seeded) with the exact
  spans of every piece of personal data, and clean questions full of social-services words
  that must survive. The names come from this file's own pools, which include names that
  are *not* on the redactor's bundled list, so recall is not measured against the list.
- ``paraphrases.jsonl`` (``needs_paraphrases``): 36 hand-written needs x 5 paraphrases, with
  area labels; the grouping and area settings were chosen on it (a development set).
- ``heldout.jsonl`` (``needs_heldout``, held out): 12 needs x 4 paraphrases, hand-written
  after the settings were fixed (but by the same author who wrote the keyword stems); the
  honest figures.
- ``needs_blind_l.jsonl`` (``needs_blind_l``, held out): 16 needs x 5 paraphrases over the
  eight areas, four pairs of neighbouring needs, written blind on 2026-12-06 by someone who
  saw neither the grouping nor the area code.
- ``needs_mining.jsonl`` (``needs_mining``, held out): needs stated in the seed documents,
  labelled blind by someone who does not tune the finder (``measure_mining``).
  One object per labelled document: ``doc_id``, ``scope``, ``complete``, ``needs`` (``id``,
  ``quote``, ``page``, ``formulation``, ``kind``, ``area``) and ``not_needs`` (``quote``,
  ``why``). Nobody working on the finder reads it; only the figures are looked at.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

# The file names the measures are asked for, and the manifest entry holding each.
NEEDS_SETS = {
    "redaction.jsonl": "needs_redaction",
    "paraphrases.jsonl": "needs_paraphrases",
    "heldout.jsonl": "needs_heldout",
    "needs_blind_l.jsonl": "needs_blind_l",
    "needs_blind_m.jsonl": "needs_blind_m",  # not yet run: docs/needs.md
}

# The blind labelled set for needs found in documents (the manifest's needs_mining); measured
# when present.
MINING_SET = Path(__file__).parent / "datasets" / "needs_mining" / "needs_mining.jsonl"
# A candidate matches a labelled quote when one contains the other (whitespace and case
# folded) or their token overlap coefficient |A ∩ B| / min(|A|, |B|) reaches this.
QUOTE_OVERLAP = 0.6

# --- generated redaction set --------------------------------------------------------------------

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


# --- measuring -------------------------------------------------------------------------------


def _path(name: str) -> Path:
    """A needs dataset's file, by its file name or its manifest name."""
    from evals import datasets as ds

    return ds.manifest().get(NEEDS_SETS.get(name, name)).data()


def _load(name: str) -> list[dict[str, Any]]:
    with _path(name).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def measure_redaction(rows: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    from assistant.needs.redact import redact

    rows = rows if rows is not None else _load("redaction.jsonl")
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


def _embed() -> Any:
    from ingest.embedding import build_embedding, embed_queries
    from kunskap.settings import get_settings

    model = build_embedding(get_settings())
    return lambda texts: embed_queries(model, texts)


def measure_grouping(name: str, embed: Any = None, seeds: int = 5) -> dict[str, Any]:
    from assistant.needs import grouping

    rows = _load(name)
    centring = grouping.Centring(embed or _embed())
    vectors = centring([r["question"] for r in rows])
    threshold = grouping.effective_threshold(grouping.DEFAULT_SETTING)
    results = []
    for seed in range(seeds):
        order = list(range(len(rows)))
        random.Random(seed).shuffle(order)  # arrival order matters for online grouping
        labels = grouping.cluster(vectors[order], [rows[i]["question"] for i in order], threshold)
        results.append(grouping.purity_and_splits(labels, [rows[i]["need"] for i in order]))
    return {key: round(sum(r[key] for r in results) / len(results), 3) for key in results[0]} | {
        "orders": seeds,
        "questions": len(rows),
    }


def measure_areas(name: str, embed: Any = None) -> dict[str, Any]:
    """Area classification two ways: the forced choice (the best guess for every question)
    and what the register files (an area only when the question names one clearly,
    otherwise "osäker"): how many are filed and how many of those are right."""
    from assistant.needs.areas import AreaClassifier

    rows = _load(name)
    keyword = AreaClassifier()
    with_embedding = AreaClassifier(embed or _embed())
    hits_kw = sum(keyword.classify(r["question"]) == r["area"] for r in rows)
    decisions = [with_embedding.decide(r["question"]) for r in rows]
    hits = sum(d.guess == r["area"] for d, r in zip(decisions, rows, strict=True))
    filed = [(d, r) for d, r in zip(decisions, rows, strict=True) if d.sure]
    filed_right = sum(d.area == r["area"] for d, r in filed)
    return {
        "questions": len(rows),
        "accuracy": round(hits / len(rows), 4),
        "accuracy_keywords_only": round(hits_kw / len(rows), 4),
        "filed_share": round(len(filed) / len(rows), 4),
        "filed_accuracy": round(filed_right / len(filed), 4) if filed else None,
        "filed_right_of_all": round(filed_right / len(rows), 4),
    }


# Issue 18 §4, on held-out paraphrase sets (never tuned on): paraphrases of one need in one
# need (split rate = true needs split over several needs / true needs), pure needs, and the
# areas the register files right. Reported by `kunskap eval`, met or not; never gated.
NEEDS_TARGETS = {"split_rate": 0.15, "purity": 0.90, "area_filed_accuracy": 0.85}
HELDOUT_GROUPING_SETS = ("needs_heldout", "needs_blind_l")


def measure_targets(embed: Any = None) -> dict[str, Any]:
    """Grouping and areas on each held-out paraphrase set that has been run blind."""
    embed = embed or _embed()
    out: dict[str, Any] = {}
    for name in HELDOUT_GROUPING_SETS:
        grouping = measure_grouping(name, embed)
        grouping["split_rate"] = round(grouping["split_needs"] / grouping["true_needs"], 3)
        out[name] = {"grouping": grouping, "areas": measure_areas(name, embed)}
    return out


def quotes_match(candidate: str, labelled: str) -> bool:
    """The matching rule of the labelled set: containment or token overlap ≥ QUOTE_OVERLAP."""
    from assistant.needs.mining import normalise, tokens

    a, b = normalise(candidate), normalise(labelled)
    if not a or not b:
        return False
    if a in b or b in a:
        return True
    ta, tb = set(tokens(a)), set(tokens(b))
    if not ta or not tb:
        return False
    return len(ta & tb) / min(len(ta), len(tb)) >= QUOTE_OVERLAP


def score_mining(
    labelled: list[dict[str, Any]], candidates: list[dict[str, Any]]
) -> dict[str, Any]:
    """Precision over the candidates of labelled documents, recall over labelled needs, and
    how many labelled not-needs were proposed. ``candidates`` have ``doc_id``, ``quote`` and
    ``page``.

    A document labelled only in part (``scope``, e.g. one chapter) judges the candidates on
    the pages its labelled needs span, plus any candidate that matches one of its labelled
    needs or not-needs; the rest of the document is neither right nor wrong.
    """
    by_doc = {row["doc_id"]: row for row in labelled}
    judged = 0
    correct = 0
    not_needs_proposed: set[tuple[str, int]] = set()
    found: set[str] = set()
    for cand in candidates:
        row = by_doc.get(cand["doc_id"])
        if row is None:
            continue
        hits = [n["id"] for n in row["needs"] if quotes_match(cand["quote"], n["quote"])]
        wrong = [
            i for i, n in enumerate(row.get("not_needs", []))
            if quotes_match(cand["quote"], n["quote"])
        ]  # fmt: skip
        if not hits and not wrong and not _in_scope(row, cand.get("page")):
            continue
        judged += 1
        correct += bool(hits)
        found.update(hits)
        not_needs_proposed.update((row["doc_id"], i) for i in wrong)
    total_needs = sum(len(r["needs"]) for r in labelled)
    total_not = sum(len(r.get("not_needs", [])) for r in labelled)
    return {
        "documents": len(labelled),
        "labelled_needs": total_needs,
        "candidates_judged": judged,
        "precision": round(correct / judged, 4) if judged else None,
        "recall": round(len(found) / total_needs, 4) if total_needs else None,
        "labelled_not_needs": total_not,
        "not_needs_proposed": len(not_needs_proposed),
    }


def _in_scope(row: dict[str, Any], page: int | None) -> bool:
    if not row.get("scope"):
        return True  # the whole document is labelled
    pages = [n["page"] for n in row["needs"] if isinstance(n.get("page"), int)]
    return bool(pages) and page is not None and min(pages) <= page <= max(pages)


def measure_mining(path: Path | None = None, manifest: Path | None = None) -> dict[str, Any] | None:
    """Mine the labelled documents' sources and score them; None when the set is absent."""
    from assistant.needs.mining import mine_corpus
    from kunskap.settings import get_settings

    path = path or MINING_SET
    if not path.exists():
        return None
    with path.open(encoding="utf-8") as fh:
        labelled = [json.loads(line) for line in fh if line.strip()]
    settings = get_settings()
    mined = mine_corpus(
        manifest or settings.manifest, tuning=settings.needs, display=settings.display
    )
    labelled_ids = {r["doc_id"] for r in labelled}
    candidates = [
        {"doc_id": c.doc_id, "quote": c.quote, "page": c.page}
        for c in mined.candidates
        if c.doc_id in labelled_ids
    ]
    report = score_mining(labelled, candidates)
    report["documents_not_mined"] = sorted(labelled_ids - set(mined.doc_hashes))
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--generate", action="store_true", help="rewrite redaction.jsonl")
    args = parser.parse_args()
    if args.generate:
        rows = generate_redaction_set()
        # A new file under the same name: its manifest entry's sha256 no longer matches, and
        # the dataset test fails until it is recorded as a new version (CONTRIBUTING.md).
        with _path("redaction.jsonl").open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    embed = _embed()
    report = {
        "redaction": measure_redaction(),
        "grouping_dev": measure_grouping("paraphrases.jsonl", embed),
        "areas_dev": measure_areas("paraphrases.jsonl", embed),
    }
    report["grouping_heldout"] = measure_grouping("heldout.jsonl", embed)
    report["areas_heldout"] = measure_areas("heldout.jsonl", embed)
    report["grouping_blind_l"] = measure_grouping("needs_blind_l.jsonl", embed)
    report["areas_blind_l"] = measure_areas("needs_blind_l.jsonl", embed)
    # The hand-written questions hold no personal data: every redaction in them is false.
    clean = [
        {"text": r["question"], "pii": []}
        for r in _load("paraphrases.jsonl") + _load("heldout.jsonl")
    ]
    report["redaction_hand_written_clean"] = measure_redaction(clean)
    mining = measure_mining()
    if mining is not None:
        report["mining"] = mining
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
