"""--auth covers the whole app: without a login neither the chat nor the Library answers, and no
file can be uploaded; with one, the Library takes an upload. Runs `python -m ui.app` on a fake-encoder
index in a temporary folder (no model), over loopback."""
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
def guarded_app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("auth")
    index = build_fake_index(ROOT / "tests" / "fixtures" / "mini_corpus", tmp / "index")
    with running_app("--index", str(index), "--collections", str(tmp / "collections"), "--auth", "editor:s3cret") as url:
        yield url, tmp / "collections"


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
