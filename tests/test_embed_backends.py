"""Choosing the device and backend, and keeping the OpenVINO export honest: a missing, truncated or
altered export is found and rebuilt, never loaded. No model is run here: the export step is faked."""
from __future__ import annotations

import json

import pytest
import torch

from rag import embed, models, openvino_encoder
from rag.errors import ModelError, RagError

GEMMA, E5 = models.GEMMA.name, models.E5_SMALL.name


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for var in ("RAG_DEVICE", "RAG_BACKEND", "RAG_THREADS", "RAG_DTYPE"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def gpu(monkeypatch):
    def set_gpu(present: bool) -> None:
        monkeypatch.setattr(torch.cuda, "is_available", lambda: present)
    return set_gpu


@pytest.mark.parametrize("present, expected", [(True, "cuda"), (False, "cpu")])
def test_auto_device_is_the_gpu_when_torch_sees_one(gpu, present, expected):
    gpu(present)
    assert embed.resolve_device() == expected
    assert embed.resolve_device("auto") == expected


def test_device_comes_from_rag_device_when_not_given(gpu, monkeypatch):
    gpu(True)
    monkeypatch.setenv("RAG_DEVICE", "cpu")
    assert embed.resolve_device() == "cpu"
    assert embed.resolve_device("cuda:1") == "cuda:1"


def test_asking_for_a_gpu_that_is_not_there_is_an_error(gpu):
    gpu(False)
    with pytest.raises(RagError, match="sees no GPU"):
        embed.resolve_device("cuda")


def test_an_unknown_device_is_an_error():
    with pytest.raises(RagError, match="unknown device 'tpu'"):
        embed.resolve_device("tpu")


@pytest.mark.parametrize("name, device, openvino, expected", [
    (GEMMA, "cpu", True, "openvino"),  # measured: faster at the same quality
    (GEMMA, "cuda", True, "torch"),  # GPUs run torch
    (E5, "cpu", True, "torch"),  # not measured with OpenVINO
    (GEMMA, "cpu", False, "torch"),  # openvino not installed
])
def test_auto_backend(monkeypatch, name, device, openvino, expected):
    monkeypatch.setattr(embed, "openvino_available", lambda: openvino)
    assert embed.resolve_backend(name, device) == expected


def test_rag_backend_chooses_explicitly(monkeypatch):
    monkeypatch.setattr(embed, "openvino_available", lambda: True)
    monkeypatch.setenv("RAG_BACKEND", "torch")
    assert embed.resolve_backend(GEMMA, "cpu") == "torch"
    monkeypatch.setenv("RAG_BACKEND", "OpenVINO")
    assert embed.resolve_backend(E5, "cpu") == "openvino"


@pytest.mark.parametrize("backend, device, openvino, message", [
    ("onnx", "cpu", True, "unknown backend 'onnx'"),
    ("openvino", "cuda", True, "CPU only"),
    ("openvino", "cpu", False, "not installed"),
])
def test_impossible_backends_are_errors(monkeypatch, backend, device, openvino, message):
    monkeypatch.setattr(embed, "openvino_available", lambda: openvino)
    with pytest.raises(RagError, match=message):
        embed.resolve_backend(GEMMA, device, backend)


@pytest.fixture
def made(monkeypatch) -> list[tuple]:
    """Stand-ins for the two encoder classes: load_encoder's choice is recorded, nothing is loaded."""
    calls: list[tuple] = []
    monkeypatch.setattr(embed, "SentenceTransformerEncoder", lambda name, device: calls.append(("torch", name, device)))
    monkeypatch.setattr(embed, "OpenVINOEncoder",
                        lambda name, log, query_encoder: calls.append(("openvino", name, "cpu")))
    monkeypatch.setattr(embed, "openvino_available", lambda: True)
    return calls


def test_load_encoder_puts_the_model_on_the_gpu_with_torch(made, gpu):
    gpu(True)
    embed.load_encoder(GEMMA)
    gpu(False)
    embed.load_encoder(GEMMA)
    embed.load_encoder(GEMMA, backend="torch")
    assert made == [("torch", GEMMA, "cuda"), ("openvino", GEMMA, "cpu"), ("torch", GEMMA, "cpu")]


def test_the_fake_encoder_ignores_device_and_backend(made):
    assert embed.load_encoder("fake-8", device="cuda", backend="openvino").dim == 8
    assert made == []


def test_one_thread_runs_openvino_in_float32(monkeypatch):
    """OpenVINO 2026.4 crashes compiling bfloat16 for one thread; two or more keep its own choice."""
    assert openvino_encoder.inference_config(1)["INFERENCE_PRECISION_HINT"] == "f32"
    assert "INFERENCE_PRECISION_HINT" not in openvino_encoder.inference_config(2)
    monkeypatch.setenv("RAG_THREADS", "1")
    assert openvino_encoder.inference_config() == {"PERFORMANCE_HINT": "LATENCY", "INFERENCE_NUM_THREADS": 1,
                                                   "INFERENCE_PRECISION_HINT": "f32"}
    monkeypatch.setenv("RAG_THREADS", "3")
    monkeypatch.setenv("RAG_DTYPE", "float32")
    assert openvino_encoder.inference_config()["INFERENCE_PRECISION_HINT"] == "f32"


# --- the export: built once, verified, rebuilt when broken ----------------------

@pytest.fixture
def exports(tmp_path, monkeypatch) -> list[str]:
    """A cache in tmp_path, a fixed model fingerprint, and an export step that writes small files."""
    monkeypatch.setenv("RAG_HOME", str(tmp_path))
    monkeypatch.setattr(models, "model_fingerprint", lambda name: "f" * 16)
    runs: list[str] = []

    def fake_export(model_folder, out):
        runs.append(str(out))
        (out / "model.xml").write_text("<net version='11'/>", encoding="utf-8")
        (out / "model.bin").write_bytes(bytes(range(256)) * 4)

    monkeypatch.setattr(openvino_encoder, "export_model", fake_export)
    return runs


def ensure() -> "openvino_encoder.Path":
    return openvino_encoder.ensure_export(GEMMA, log=lambda message: None)


def test_the_export_is_built_once_with_its_hashes(exports):
    folder = ensure()
    assert ensure() == folder and len(exports) == 1
    manifest = json.loads((folder / models.VERIFIED_FILE).read_text(encoding="utf-8"))
    assert manifest["model_fingerprint"] == "f" * 16 and manifest["sizes"]["model.bin"] == 1024
    assert set(manifest["sha256"]) == {"model.xml", "model.bin"}
    assert GEMMA in folder.name and "f" * 16 in folder.name  # new weights, new export
    assert [p.name for p in folder.parent.iterdir()] == [folder.name]  # no staging folder left


def test_a_new_export_removes_the_superseded_ones_of_its_model_only(exports, monkeypatch):
    root = openvino_encoder.export_dir(GEMMA).parent
    older = root / f"{GEMMA}-openvino-v{openvino_encoder.EXPORT_VERSION - 1}-{'f' * 16}"
    other_weights = root / f"{GEMMA}-openvino-v{openvino_encoder.EXPORT_VERSION}-{'e' * 16}"
    other_model = root / f"other-model-openvino-v{openvino_encoder.EXPORT_VERSION}-{'f' * 16}"
    for folder in (older, other_weights, other_model):
        folder.mkdir(parents=True)
        (folder / "model.bin").write_bytes(b"old")
    current = ensure()
    assert sorted(p.name for p in root.iterdir()) == sorted([current.name, other_model.name])


@pytest.mark.parametrize("damage", ["truncate bin", "delete xml", "alter xml", "delete manifest"])
def test_a_broken_export_is_found_and_rebuilt(exports, damage):
    folder = ensure()
    if damage == "truncate bin":
        with open(folder / "model.bin", "r+b") as f:
            f.truncate(100)
    elif damage == "delete xml":
        (folder / "model.xml").unlink()
    elif damage == "alter xml":
        (folder / "model.xml").write_text("<net version='12'/>", encoding="utf-8")  # same size
    else:
        (folder / models.VERIFIED_FILE).unlink()
    with pytest.raises(ModelError, match="rag models fetch"):
        openvino_encoder.read_export_manifest(folder)
    assert ensure() == folder and len(exports) == 2
    openvino_encoder.read_export_manifest(folder, full=True)


def test_altered_weights_of_the_same_size_fail_the_full_check(exports):
    folder = ensure()
    (folder / "model.bin").write_bytes(bytes(reversed(range(256))) * 4)
    openvino_encoder.read_export_manifest(folder)  # the quick check on load looks at sizes only
    with pytest.raises(ModelError, match="fails its sha256"):
        openvino_encoder.read_export_manifest(folder, full=True)
    openvino_encoder.ensure_export(GEMMA, log=lambda message: None, full_check=True)  # `rag models verify`
    assert len(exports) == 2
    openvino_encoder.read_export_manifest(folder, full=True)


def test_a_failed_export_leaves_nothing_behind(exports, monkeypatch):
    def crash(model_folder, out):
        (out / "model.xml").write_text("<half", encoding="utf-8")
        raise RuntimeError("killed mid-export")

    monkeypatch.setattr(openvino_encoder, "export_model", crash)
    with pytest.raises(RuntimeError):
        ensure()
    root = openvino_encoder.export_dir(GEMMA).parent
    assert list(root.iterdir()) == []


AMX_CPUINFO = ("processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Platinum 8481C\n"
               "flags\t\t: fpu sse2 avx avx2 avx512f avx512_vnni avx512_bf16 amx_bf16 amx_tile amx_int8\n")
AVX2_CPUINFO = "processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: fpu sse2 avx avx2 fma\n"


def test_the_cpu_description_names_the_model_and_the_features_that_decide_speed():
    from rag.util import cpu_description, cpu_has_bf16

    amx = cpu_description(AMX_CPUINFO)
    assert amx["model"] == "Intel(R) Xeon(R) Platinum 8481C"
    assert amx["features"] == ["amx_bf16", "amx_int8", "avx512_bf16", "avx512_vnni", "avx512f", "avx2"]
    assert cpu_description(AVX2_CPUINFO) == {"model": "AMD EPYC", "features": ["avx2"]}
    assert cpu_has_bf16(AMX_CPUINFO) and not cpu_has_bf16(AVX2_CPUINFO)
    # "avx512_bf16" inside another word is not the flag
    assert not cpu_has_bf16("model name\t: x\nflags\t\t: noavx512_bf16x\n")


def test_a_benchmark_report_describes_its_machine():
    from rag.util import cpu_description, machine_description

    machine = machine_description()
    assert machine["cpus"] >= 1 and machine["python"].startswith("3.") and len(machine["load_avg"]) == 3
    assert machine["cpu"] == cpu_description()
