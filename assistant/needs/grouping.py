"""Group similar questions into needs: embedding similarity plus word overlap.

Measured on ``evals/datasets/needs_paraphrases/paraphrases.jsonl`` (docs/needs.md),
e5-small puts every Swedish social-services question close together (cosine mostly above
0.83, whatever the topic), and a need's plain centroid drifts towards "the average
question" and swallows everything. So we:

1. subtract a fixed background direction (the mean of ``background_questions.txt``,
   embedded once per process) and re-normalise: the "centred" vector;
2. compare a question with a need by *average* similarity to the need's questions
   (dot product with the mean of their centred vectors: average linkage, which does not
   chain the way a normalised centroid does);
3. add a small bonus for shared content words (Dice over Swedish stems without stop words).

A question joins the best need whose score reaches the threshold, otherwise it starts a
new need. The same greedy assignment runs online (``NeedsStore.log_question``) and in
batch (``cluster``: ``kunskap needs regroup`` and the evaluation). The word bonus's weight,
the threshold and how many questions of a need are compared are ``Settings.needs``
(``group_*``). ``similar`` ranks other needs against one need by the same score, for the
analyst to merge what the grouping split (``similar_*``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import numpy as np
import snowballstemmer

from kunskap.settings import NeedsSettings

# The word bonus's weight and the centred threshold: ``Settings.needs`` (``group_*``).
DEFAULTS = NeedsSettings()
# The ``settings.needs.group_similarity`` at which ``group_centred_threshold`` was measured
# (its default): the setting is applied as an offset from it (see docs/needs.md).
DEFAULT_SETTING = 0.86

_STEMMER = snowballstemmer.stemmer("swedish")
_WORD_RE = re.compile(r"[a-zåäöéü0-9]+(?:-[a-zåäöéü0-9]+)*")
_PLACEHOLDER_RE = re.compile(r"\[[A-ZÅÄÖ]+\]")
STOP_WORDS = frozenset(
    """
    och i att det som en på är av för med till den har de inte om ett han men var jag sig
    från vi så kan man när år säger hon under också efter eller nu sin där vid mot ska skulle
    kommer ut får finns vara hade alla andra mycket än här då sedan över bara in blir upp
    även vad få två vill ha många hur mer går sverige kronor detta nya procent skriver
    hans utan sina något svenska allt första fick måste mellan blev bli just dag någon
    några sitt stora varit dem bland bra tre ta genom del hela annat fram gör ingen
    stockholm göra enligt mig redan inom dessa the vilka vilken vilket finnas gäller
    rekommenderas fungerar sätt gälla ska vår våra vårt oss dig du ni er deras hennes
    vem vems varför kunna någon något vissa samt t ex eftersom emellertid hos
    socialtjänsten socialtjänst kommunen klient klienten klienter person personer
    """.split()
)


def stems(text: str) -> frozenset[str]:
    """Content-word stems of a (redacted) question."""
    words = _WORD_RE.findall(_PLACEHOLDER_RE.sub(" ", text.lower()))
    return frozenset(_STEMMER.stemWord(w) for w in words if w not in STOP_WORDS and len(w) > 1)


def dice(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def normalise(v: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(v))
    return v / norm if norm > 0 else v


def effective_threshold(group_similarity: float, tuning: NeedsSettings = DEFAULTS) -> float:
    return tuning.group_centred_threshold + (group_similarity - DEFAULT_SETTING)


@lru_cache(maxsize=1)
def background_questions() -> tuple[str, ...]:
    text = resources.files("assistant.needs").joinpath("background_questions.txt")
    lines = text.read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


class Centring:
    """Embeds questions and maps them into the centred, normalised space."""

    def __init__(self, embed: Callable[[list[str]], np.ndarray]) -> None:
        self._embed = embed
        self._mean: np.ndarray | None = None

    @property
    def mean(self) -> np.ndarray:
        if self._mean is None:
            raw = np.asarray(self._embed(list(background_questions())), dtype=np.float32)
            raw = raw / np.linalg.norm(raw, axis=1, keepdims=True)
            self._mean = raw.mean(axis=0)
        return self._mean

    def raw(self, texts: list[str]) -> np.ndarray:
        vectors = np.asarray(self._embed(texts), dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def centre(self, raw: np.ndarray) -> np.ndarray:
        centred = raw - self.mean
        return centred / np.linalg.norm(centred, axis=-1, keepdims=True)

    def __call__(self, texts: list[str]) -> np.ndarray:
        return self.centre(self.raw(texts))


@dataclass
class Candidate:
    """What the assignment step needs to know about one existing need."""

    key: str
    centroid: np.ndarray  # mean of the members' centred vectors (not re-normalised)
    texts: list[frozenset[str]] = field(default_factory=list)


def best_match(
    vector: np.ndarray,
    words: frozenset[str],
    candidates: Sequence[Candidate],
    threshold: float,
    tuning: NeedsSettings = DEFAULTS,
) -> tuple[str | None, float]:
    """The need a question (centred vector) joins, or None for a new need; and the score."""
    word_weight = tuning.group_word_weight
    if not candidates:
        return None, 0.0
    sims = np.stack([c.centroid for c in candidates]) @ vector
    best_key: str | None = None
    best_score = -1.0
    for idx in np.argsort(-sims):
        sim = float(sims[idx])
        if sim + word_weight < max(threshold, best_score):
            break  # sorted: no later candidate can do better
        overlap = max((dice(words, t) for t in candidates[idx].texts), default=0.0)
        score = sim + word_weight * overlap
        if score > best_score:
            best_key, best_score = candidates[idx].key, score
    if best_score >= threshold:
        return best_key, best_score
    return None, best_score


def similar(
    centroid: np.ndarray,
    texts: Sequence[frozenset[str]],
    candidates: Sequence[Candidate],
    *,
    limit: int,
    floor: float,
    tuning: NeedsSettings = DEFAULTS,
) -> list[tuple[str, float]]:
    """Other needs most like one need, best first: at most ``limit`` whose score reaches
    ``floor``. The score is that of a question joining a need, between two needs: the dot
    product of their centroids is the average centred similarity of their questions (average
    linkage), plus the word bonus for the closest pair of their texts."""
    scored = []
    for candidate in candidates:
        overlap = max((dice(a, b) for a in texts for b in candidate.texts), default=0.0)
        score = float(candidate.centroid @ centroid) + tuning.group_word_weight * overlap
        if score >= floor:
            scored.append((candidate.key, score))
    scored.sort(key=lambda pair: -pair[1])
    return scored[:limit]


def add_to_centroid(centroid: np.ndarray, n: int, vector: np.ndarray) -> np.ndarray:
    return (centroid * n + vector) / (n + 1)


def cluster(
    vectors: np.ndarray, texts: Sequence[str], threshold: float, tuning: NeedsSettings = DEFAULTS
) -> list[int]:
    """Greedy online grouping of centred vectors in the given order; a group number each."""
    groups: list[Candidate] = []
    sizes: list[int] = []
    labels: list[int] = []
    for vector, text in zip(vectors, texts, strict=True):
        words = stems(text)
        key, _ = best_match(vector, words, groups, threshold, tuning)
        if key is None:
            groups.append(Candidate(str(len(groups)), vector.copy(), [words]))
            sizes.append(1)
            labels.append(len(groups) - 1)
            continue
        g = int(key)
        groups[g].centroid = add_to_centroid(groups[g].centroid, sizes[g], vector)
        sizes[g] += 1
        if len(groups[g].texts) < tuning.group_texts:
            groups[g].texts.append(words)
        labels.append(g)
    return labels


def purity_and_splits(labels: Sequence[int], truth: Sequence[str]) -> dict[str, float]:
    """Purity (share of questions in their group's majority need), and how many true needs
    were split over more than one group."""
    by_group: dict[int, list[str]] = {}
    for label, need in zip(labels, truth, strict=True):
        by_group.setdefault(label, []).append(need)
    majority = sum(max(members.count(n) for n in set(members)) for members in by_group.values())
    groups_per_need: dict[str, set[int]] = {}
    for label, need in zip(labels, truth, strict=True):
        groups_per_need.setdefault(need, set()).add(label)
    split = sum(1 for groups in groups_per_need.values() if len(groups) > 1)
    return {
        "purity": majority / len(labels),
        "groups": float(len(by_group)),
        "true_needs": float(len(groups_per_need)),
        "split_needs": float(split),
        "extra_groups": float(sum(len(g) - 1 for g in groups_per_need.values())),
    }
