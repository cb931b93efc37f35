"""The tests' seed of passage vectors (tests/embedding_seed/, scripts/seed_test_vectors.py)
holds the sample corpus's vectors, exactly as the model computes them."""

from __future__ import annotations

import numpy as np

from assistant.sentence_vectors import quotable
from ingest.embedding import build_embedding, model_identity, store_key
from tests.conftest import EMBEDDING_SEED


def test_the_seed_holds_every_sample_sentence_as_the_model_computes_it(sample_services) -> None:
    settings = sample_services.settings
    identity = model_identity(settings.embedding)
    chunks = [
        (str(r.payload["text"]), [tuple(span) for span in r.payload.get("footnotes") or []])
        for r in sample_services.index.scroll(
            settings.collection_name(), fields=["text", "footnotes"]
        )
    ]
    texts = [text for text, _ in chunks]
    sentences = sorted({s for text, notes in chunks for s in quotable(text, notes)})
    with np.load(EMBEDDING_SEED) as data:
        seed = {bytes(k).hex(): v for k, v in zip(data["keys"], data["vectors"], strict=True)}
    missing = [s for s in sentences if store_key(identity, s) not in seed]
    # A change of corpus, chunking or model leaves the seed stale (slower tests, the same
    # results): `make seed-test-vectors` writes it again.
    assert not missing, f"{len(missing)} of {len(sentences)}: run `make seed-test-vectors`"
    assert len(seed) >= len(texts) + len(sentences)
    # Three of them recomputed by the model itself, without any store: bit for bit equal.
    probes = [sentences[0], sentences[len(sentences) // 2], sentences[-1]]
    fresh = build_embedding(settings).get_text_embedding_batch(probes)
    for sentence, vector in zip(probes, fresh, strict=True):
        assert np.array_equal(seed[store_key(identity, sentence)], np.float32(vector))


def test_the_seed_holds_what_the_needs_finder_embeds(sample_services) -> None:
    # The learned scorer embeds the sentences its rules pass over: in the corpus and in the
    # labelled mining sets' documents (tests and the eval gate mine both).
    from assistant.needs.mining import sentences_to_score
    from evals.mining_eval import mined_manifests

    identity = model_identity(sample_services.settings.embedding)
    manifests = mined_manifests()
    texts = {t for m in manifests for t in sentences_to_score(m)}
    with np.load(EMBEDDING_SEED) as data:
        seed = {bytes(k).hex() for k in data["keys"]}
    missing = [t for t in texts if store_key(identity, t) not in seed]
    assert len(manifests) == 4 and len(texts) > 1000  # the corpus and three sets' documents
    assert not missing, f"{len(missing)} of {len(texts)}: run `make seed-test-vectors`"
