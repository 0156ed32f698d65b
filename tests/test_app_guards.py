"""The app's guards over HTTP: --auth covers the whole app (without a login neither the chat nor the
Library answers, and no file can be uploaded; with one, the Library takes an upload), and
--max-upload-mb refuses larger files at the door. Runs `python -m ui.app` on a fake-encoder index
in a temporary folder (no model), over loopback."""
from __future__ import annotations

import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from support import ROOT, build_fake_index, running_app

NOTES = ROOT / "tests" / "fixtures" / "formats" / "notes.md"


@pytest.fixture(scope="module")
def fake_index(tmp_path_factory) -> Path:
    return build_fake_index(ROOT / "tests" / "fixtures" / "mini_corpus", tmp_path_factory.mktemp("guards") / "index")


@pytest.fixture(scope="module")
def guarded_app(fake_index):
    collections = fake_index.parent / "collections"
    with running_app("--index", str(fake_index), "--collections", str(collections), "--auth", "editor:s3cret") as url:
        yield url, collections


def status_of(request: urllib.request.Request | str) -> int:
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


def multipart_upload(url: str, path: Path) -> urllib.request.Request:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{path.name}\"\r\n"
            "Content-Type: text/plain\r\n\r\n").encode() + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    return urllib.request.Request(f"{url}gradio_api/upload", data=body, method="POST",
                                  headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})


def test_nothing_answers_without_a_login(guarded_app):
    url, collections = guarded_app
    assert status_of(f"{url}config") == 401
    assert status_of(f"{url}gradio_api/info") == 401
    assert status_of(multipart_upload(url, NOTES)) == 401
    from gradio_client import Client

    with pytest.raises(Exception, match="credentials|login"):
        Client(url, verbose=False)
    with pytest.raises(Exception, match="login"):
        Client(url, auth=("editor", "wrong"), verbose=False)
    assert not collections.exists() or not any(collections.iterdir())


def test_a_logged_in_client_can_upload_to_the_library(guarded_app):
    url, collections = guarded_app
    from gradio_client import Client, handle_file

    client = Client(url, auth=("editor", "s3cret"), verbose=False)
    client.predict("auth-check", api_name="/library_create")
    status = client.predict([handle_file(str(NOTES))], "auth-check", api_name="/library_upload")[1]
    assert "notes.md" in status
    deadline = time.monotonic() + 30
    while not (collections / "auth-check" / "corpus" / "notes.md").exists():
        assert time.monotonic() < deadline, "the upload was not indexed within 30 s"
        time.sleep(0.2)


def test_uploads_over_the_limit_are_refused_at_the_door(fake_index, tmp_path):
    big, small = tmp_path / "big.txt", tmp_path / "small.txt"
    big.write_bytes("◎新闻\n\n标题\n\n正文。\n".encode() * 200)  # 5 KB
    small.write_bytes("◎新闻\n\n标题\n\n正文。\n".encode())
    with running_app("--index", str(fake_index), "--collections", str(tmp_path / "collections"),
                     "--max-upload-mb", "0.002") as url:  # 2 KB
        assert status_of(multipart_upload(url, big)) == 413
        assert status_of(multipart_upload(url, small)) == 200
