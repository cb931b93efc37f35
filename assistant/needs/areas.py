"""Classify a question into one of the areas (verksamhetsområden) of domain.md.

Keyword stems first: a social worker's question nearly always names its area through a law
(LVU, LSS), a target group (barnet, äldre) or a typical service (hemtjänst, försörjningsstöd).
Stems are matched at the start of words and anywhere inside compounds, because Swedish glues
words together ("barnavårdsutredning", "missbruksvård").

The register files a question under an area only when the question names it: one area's
stems outweigh every other's by at least ``Settings.needs.area_min_lead``. Otherwise (no
stem, or two areas named as strongly) the question is "osäker" and an analyst places it;
document-born needs follow the same rule (``mining.area_of``).

Where no keyword leads, the learned area model (``area_model.py``) gives the best guess
from the question's vector, and files it when it is at least
``needs.area_model_min_probability`` sure; otherwise the question is osäker. Without an
embedding function (or with ``needs.area_guess = "descriptions"``) the guess is the leading
stem, else the nearest area description for a question of at least ``area_min_words``
words, else "övergripande". The best guess is what the forced-choice accuracy in
docs/needs.md measures.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from assistant.needs.area_model import AreaModel, bundled_model_for
from kunskap.domain import AREAS
from kunskap.settings import EmbeddingSettings, NeedsSettings

FALLBACK_AREA = "overgripande"
UNSURE_AREA = "osäker"

# (stem, weight). Laws and target groups weigh more than general service words.
AREA_STEMS: dict[str, list[tuple[str, float]]] = {
    "barn_och_unga": [
        ("lvu", 3), ("barn", 2), ("bbic", 3), ("orosanmäl", 3), ("ungdom", 2), ("unga", 2),
        ("familjehem", 2), ("vårdnad", 2), ("umgänge", 2), ("förälder", 1), ("föräldra", 1),
        ("skolfrånvaro", 2), ("skolan", 1), ("elev", 1), ("tonår", 2), ("pojk", 1),
        ("flick", 1), ("spädbarn", 3), ("adoption", 2), ("hvb", 1), ("ensamkommande", 2),
        ("kriminalitet", 1), ("gäng", 2), ("ungdomstjänst", 3), ("kontaktfamilj", 2),
        ("fosterhem", 2), ("barnahus", 3), ("faderskap", 2), ("föräldraskap", 2),
    ],
    "vuxna_beroende": [
        ("lvm", 3), ("missbruk", 3), ("beroende", 3), ("alkohol", 3), ("narkotika", 3),
        ("drog", 3), ("substans", 2), ("spelberoende", 3), ("spel om pengar", 3),
        ("opioid", 3), ("läkemedelsassisterad", 3), ("abstinens", 3), ("nykter", 2),
        ("cannabis", 3), ("amfetamin", 3), ("återfall", 2), ("skadligt bruk", 3),
        ("sprutbyte", 3), ("avgiftning", 3), ("12-steg", 3), ("haschrök", 3), ("audit", 1),
        ("asi-intervju", 3), ("asi", 2), ("dudit", 3),
    ],
    "funktionshinder": [
        ("lss", 3), ("funktionsnedsättning", 3), ("funktionshinder", 3), ("funktionsstöd", 3),
        ("personlig assistans", 3), ("personlig assistent", 3), ("daglig verksamhet", 3),
        ("autism", 3), ("adhd", 2), ("intellektuell", 3), ("utvecklingsstörning", 3),
        ("gruppbostad", 3), ("korttidsvistelse", 3), ("ledsagar", 3), ("avlösarservice", 3),
        ("neuropsykiatrisk", 2), ("npf", 2), ("rörelsehinder", 3), ("hörselskad", 3),
        ("synskad", 3), ("habilitering", 3), ("assistansersättning", 3), ("rullstol", 2),
        ("förståndshandikapp", 3), ("dövblind", 3),
    ],
    "socialpsykiatri": [
        ("psykisk", 3), ("psykiatri", 3), ("schizofreni", 3), ("psykos", 3), ("bipolär", 3),
        ("depression", 2), ("ångest", 2), ("suicid", 3), ("självmord", 3), ("självskad", 3),
        ("boendestöd", 3), ("sysselsättning", 1), ("samordnad individuell plan", 1),
        ("psykiatriska öppenvård", 3), ("tvångsvård", 2), ("personligt ombud", 3),
        ("psykisk ohälsa", 3), ("ätstörning", 2), ("hallucin", 3), ("vanföreställ", 3),
    ],
    "aldre": [
        ("äldre", 3), ("hemtjänst", 3), ("särskilt boende", 3), ("äldreboende", 3),
        ("demens", 3), ("alzheimer", 3), ("trygghetslarm", 3), ("pension", 2),
        ("korttidsboende", 2), ("anhörigstöd", 1), ("biståndshandläggare inom äldre", 3),
        ("matdistribution", 3), ("dagverksamhet för", 1), ("fallprevention", 3),
        ("ensamhet", 1), ("åldrande", 3), ("80 år", 2), ("90 år", 2), ("85 år", 2),
        ("multisjuk", 3), ("palliativ", 3), ("vård i livets slut", 3),
    ],
    "ekonomiskt_bistand": [
        ("ekonomiskt bistånd", 4), ("försörjningsstöd", 4), ("riksnorm", 4),
        ("skälig levnadsnivå", 2), ("hyresskuld", 3), ("skuld", 2), ("budget- och skuld", 3),
        ("kronofogd", 3), ("vräkning", 3), ("avhysning", 3), ("bistånd till", 1),
        ("akut nöd", 3), ("egenförsörjning", 3), ("arbetslös", 2), ("aktivitetsersättning", 2),
        ("försäkringskassan", 1), ("arbetsförmedling", 2), ("praktik", 1), ("hyra", 1),
        ("tandvård", 2), ("glasögon", 2), ("barnbidrag", 1), ("underhållsstöd", 2),
        ("etableringsersättning", 3), ("återkrav", 3), ("inkomst", 2), ("sparade pengar", 2),
        ("bidragsbrott", 3), ("försörjning", 2), ("hemlöshet", 2), ("bostadslös", 2),
    ],
    "vald_i_nara_relationer": [
        ("våld i nära relation", 5), ("våld", 3), ("misshandel", 3), ("hedersrelat", 4),
        ("heder", 3), ("skyddat boende", 4), ("kvinnojour", 4), ("våldsutsatt", 4),
        ("våldsutöv", 4), ("hot", 1), ("kontaktförbud", 4), ("tvångsäktenskap", 4),
        ("könsstympning", 4), ("sexuellt våld", 4), ("stalkning", 4), ("förföljelse", 3),
        ("skyddad identitet", 3), ("freda", 3), ("kränkning", 2), ("övergrepp", 3),
        ("barnäktenskap", 4), ("prostitution", 3), ("människohandel", 4),
    ],
    "overgripande": [
        ("kunskapsstyrning", 4), ("evidensbaserad", 3), ("ebp", 3), ("beprövad erfarenhet", 3),
        ("ledning", 2), ("ledningssystem", 3), ("kvalitetsarbete", 3), ("uppföljning", 2),
        ("dokumentation", 2), ("journal", 2), ("sekretess", 2), ("gdpr", 3),
        ("socialtjänstlagen", 1), ("nya socialtjänstlag", 2), ("förebyggande", 1),
        ("implementering", 3), ("chef", 2), ("kompetens", 2), ("handledning", 2),
        ("rss", 3), ("fou", 2), ("skr", 2), ("ivo", 2), ("lex sarah", 3), ("avvikelse", 2),
        ("digitalisering", 3), ("arbetsmiljö", 3), ("rekrytering", 3), ("statistik", 2),
        ("öppna jämförelser", 3), ("kunskapsbehov", 3), ("verksamhetsutveckling", 3),
        ("upphandling", 2), ("jäv", 2), ("tolk", 1), ("delegation", 2),
    ],
}  # fmt: skip

# Short descriptions of each area, used only when no stem matches and embeddings are given.
AREA_DESCRIPTIONS: dict[str, str] = {
    "barn_och_unga": "barn och unga, familj, föräldrar, skola, placering, utredning av barn",
    "vuxna_beroende": "vuxna med missbruk och beroende av alkohol, narkotika, spel",
    "funktionshinder": "personer med funktionsnedsättning, LSS-insatser, stöd och service",
    "socialpsykiatri": "vuxna med psykisk ohälsa eller psykisk funktionsnedsättning",
    "aldre": "äldre personer, hemtjänst, äldreboende, demens",
    "ekonomiskt_bistand": "ekonomiskt bistånd, försörjningsstöd, pengar, skulder, hyra, arbete",
    "vald_i_nara_relationer": "våld i nära relationer, hot, hedersrelaterat våld, skydd",
    "overgripande": "ledning, styrning, kvalitet, dokumentation, kunskapsstyrning i socialtjänsten",
}

_WORD_RE = re.compile(r"[\wåäöé\-]+")


def _patterns() -> dict[str, list[tuple[re.Pattern[str], float]]]:
    out: dict[str, list[tuple[re.Pattern[str], float]]] = {}
    for area, stems in AREA_STEMS.items():
        compiled = []
        for stem, weight in stems:
            # Short stems (acronyms such as "lss", "hot") must start a word, long ones may sit
            # inside a compound ("barnavårdsutredning", "alkoholmissbruk").
            prefix = r"\b" if len(stem) <= 4 else ""
            compiled.append((re.compile(prefix + re.escape(stem)), weight))
        out[area] = compiled
    return out


_PATTERNS = _patterns()
assert set(AREA_STEMS) == set(AREAS), "every area of ingest.manifest.AREAS needs stems"


def area_scores(question: str) -> dict[str, float]:
    text = question.lower()
    scores: dict[str, float] = {}
    for area, patterns in _PATTERNS.items():
        score = sum(weight for pattern, weight in patterns if pattern.search(text))
        if score:
            scores[area] = score
    return scores


@dataclass(frozen=True)
class AreaDecision:
    """The best guess, and whether the question named its area clearly enough to file it."""

    guess: str
    sure: bool

    @property
    def area(self) -> str:
        """What the register files: the guess when sure, else "osäker"."""
        return self.guess if self.sure else UNSURE_AREA


def leading_area(scores: dict[str, float], min_lead: float) -> str | None:
    """The area whose stems outweigh every other area's by ``min_lead``; None when no area
    was named or two were named about as strongly."""
    if not scores:
        return None
    ranked = [*sorted(scores.values(), reverse=True), 0.0]
    if ranked[0] - ranked[1] < min_lead:
        return None
    return max(scores, key=lambda a: scores[a])


def need_area(votes: Mapping[str, int]) -> str:
    """A need's area: the one most of its questions were filed under, "osäker" not counted
    (one question that names its area outweighs any number that name none); "osäker" only
    when no question was filed under an area."""
    filed = {area: n for area, n in votes.items() if area != UNSURE_AREA and n > 0}
    return max(filed, key=lambda a: filed[a]) if filed else UNSURE_AREA


class AreaClassifier:
    """Keyword stems; where none leads, the learned area model (or the area descriptions)
    on the question's vector, when an embedding function is given."""

    def __init__(
        self,
        embed: Callable[[list[str]], np.ndarray] | None = None,
        tuning: NeedsSettings | None = None,
        model: AreaModel | None = None,
        embedding: EmbeddingSettings | None = None,
    ) -> None:
        """``embedding``: how ``embed`` embeds (the settings' ``embedding``; the bundled e5
        when not given): the shipped area model reads only the vectors it was trained on."""
        self._embed = embed
        self._centroids: np.ndarray | None = None
        tuning = tuning or NeedsSettings()
        # How many words a question needs to be placed by meaning: ``Settings.needs``.
        self._min_words = tuning.area_min_words
        self._min_lead = tuning.area_min_lead
        self._min_probability = tuning.area_model_min_probability
        self._model = model
        if model is None and embed is not None and tuning.area_guess == "model":
            self._model = bundled_model_for(embedding or EmbeddingSettings())

    def _area_vectors(self) -> np.ndarray:
        if self._centroids is None:
            assert self._embed is not None
            self._centroids = self._embed(list(AREA_DESCRIPTIONS.values()))
        return self._centroids

    def decide(self, question: str, vector: np.ndarray | None = None) -> AreaDecision:
        scores = area_scores(question)
        if leading_area(scores, self._min_lead) is not None:
            return AreaDecision(max(scores, key=lambda a: scores[a]), True)
        if self._embed is not None and self._model is not None:
            guess, probability = self._model.predict(self._vector(question, vector))
            return AreaDecision(guess, probability >= self._min_probability)
        if scores:
            # Ties go to the more specific area (the order of AREAS lists specific areas first).
            guess = max(AREAS, key=lambda a: (scores.get(a, 0.0), -list(AREAS).index(a)))
            return AreaDecision(guess, False)
        if self._embed is not None and len(_WORD_RE.findall(question)) >= self._min_words:
            sims = self._area_vectors() @ self._vector(question, vector)
            return AreaDecision(list(AREA_DESCRIPTIONS)[int(np.argmax(sims))], False)
        return AreaDecision(FALLBACK_AREA, False)

    def _vector(self, question: str, vector: np.ndarray | None) -> np.ndarray:
        """The question's vector as given (the register embeds it anyway), else embedded."""
        if vector is not None:
            return vector
        assert self._embed is not None
        return self._embed([question])[0]

    def classify(self, question: str, vector: np.ndarray | None = None) -> str:
        """The best guess (forced choice; the register files ``decide(...).area``)."""
        return self.decide(question, vector).guess


def classify_area(question: str) -> str:
    """Keyword-only classification (no model needed)."""
    return AreaClassifier().classify(question)
