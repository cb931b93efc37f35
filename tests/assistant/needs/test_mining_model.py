"""The needs finder's learned scorer (assistant/needs/mining_model.py): its features, its
file format, the shipped weights and how the finder uses them."""

from __future__ import annotations

import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np

from assistant.needs import mining_model
from assistant.needs.mining import Scorer, learned_scorer, mine_document
from assistant.needs.mining_model import MiningModel, bundled_card, bundled_model, hashed
from kunskap.settings import NeedsSettings
from tests.assistant.needs.test_mining import NEEDS, NOT_NEEDS, _doc
from tests.conftest import make_settings


def test_features_are_the_same_in_every_process() -> None:
    # Python's own hash() is salted per process; the weights are indexed by crc32.
    code = (
        "from assistant.needs.mining_model import hashed; "
        "print(sorted(hashed('Det saknas data om placeringar.', ['saknas'])[0].tolist()))"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
        for _ in range(2)
    }
    here = str(sorted(hashed("Det saknas data om placeringar.", ["saknas"])[0].tolist()))
    assert runs == {here + "\n"}


def test_a_sentence_is_a_unit_vector_of_distinct_features() -> None:
    indices, values = hashed("Behöver vi behöver mer kunskap kunskap?", ["behöver"])
    assert len(set(indices.tolist())) == len(indices)
    assert np.isclose(float(values @ values), 1.0)
    # OCR damage shares character 4-grams with the spelt word, so it shares weights.
    spelt = set(hashed("kompetensutveckling", [])[0].tolist())
    damaged = set(hashed("kompetensutvackling", [])[0].tolist())
    assert len(spelt & damaged) >= len(spelt) // 2


def test_weights_decide_the_probability(tmp_path: Path) -> None:
    weights = np.zeros(mining_model.DIMENSIONS)
    weights[zlib.crc32(b"w:saknas") % mining_model.DIMENSIONS] = 40.0  # the word alone
    dense = np.zeros(4)
    dense[0] = 1.0
    model = MiningModel(weights, dense, bias=-2.0)
    vectors = np.eye(4)[[1, 1, 0]]
    lack, plain, by_vector = model.probabilities(
        [("Det saknas data.", []), ("Vi har data.", []), ("Vi har data.", [])], vectors
    )
    assert lack > 0.5 > plain and by_vector > plain
    mining_model.save(model, {"what": "test"}, tmp_path)
    loaded = mining_model.load(tmp_path / mining_model.MODEL_FILE)
    assert np.allclose(
        loaded.probabilities([("Det saknas data.", [])], vectors[:1]),
        model.probabilities([("Det saknas data.", [])], vectors[:1]),
    )


def test_the_shipped_model_and_its_threshold_are_the_settings() -> None:
    model = bundled_model()
    assert model is not None, "assistant/needs/mining_model.npz is missing"
    card = bundled_card()
    chosen = card["chosen"]
    assert isinstance(chosen, dict)
    # The settings' default is what the training script chose, not a number of its own.
    assert NeedsSettings().mining_model_min_probability == chosen["threshold"]
    data = card["data"]
    assert isinstance(data, list) and data
    # Trained on the training documents only, never on an evaluation set.
    assert all(Path(d["file"]).name.startswith("mining_train_") for d in data)


def _learned(tmp_path: Path) -> Scorer:
    settings = make_settings(tmp_path, needs={"mining_scorer": "rules_and_model"})
    scorer = learned_scorer(settings)
    assert scorer is not None
    return scorer


# Written for this test (not from a labelled set): a lack no rule names, and look-alikes.
UNNAMED_LACK = "Ingen har sammanställt hur många ungdomar som återkommer efter avslutad insats."
NO_LACK = [
    "Vi har god tillgång till statistik om ekonomiskt bistånd.",
    "Enheten har infört en ny rutin för dokumentation under året.",
]


def test_the_model_adds_a_lack_the_rules_pass_over_and_says_so(tmp_path: Path) -> None:
    scorer = _learned(tmp_path)
    doc = _doc([UNNAMED_LACK, *NO_LACK, *NOT_NEEDS])
    assert mine_document(doc, source_id="s", doc_hash="h") == []  # the rules alone
    tuning = NeedsSettings(mining_scorer="rules_and_model")
    (cand,) = mine_document(doc, source_id="s", doc_hash="h", tuning=tuning, scorer=scorer)
    assert cand.quote == UNNAMED_LACK
    assert cand.rules[-1].startswith("modell:") and 0.65 <= cand.score <= 1


def test_what_the_rules_propose_the_model_is_not_asked(tmp_path: Path) -> None:
    asked: list[list[str]] = []
    scorer = _learned(tmp_path)
    spy = Scorer(scorer.model, lambda texts: asked.append(texts) or scorer.embed(texts))
    tuning = NeedsSettings(mining_scorer="rules_and_model")
    found = mine_document(_doc(NEEDS), source_id="s", doc_hash="h", tuning=tuning, scorer=spy)
    assert [c.quote for c in found] == NEEDS and asked == []
    assert not any(r.startswith("modell:") for c in found for r in c.rules)


def test_only_the_embedding_it_was_trained_on_gets_the_model(tmp_path: Path) -> None:
    assert learned_scorer(make_settings(tmp_path)) is not None  # the default
    rules = make_settings(tmp_path, needs={"mining_scorer": "rules"})
    assert learned_scorer(rules) is None
    other = make_settings(
        tmp_path,
        needs={"mining_scorer": "rules_and_model"},
        embedding={"backend": "openai", "model": "text-embedding-3-small"},
    )
    assert learned_scorer(other) is None
