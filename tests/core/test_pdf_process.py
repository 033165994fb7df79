"""The renderer process (core/pdf_child.py) and its caller (core/pdf_process.py): renders from
many threads at once, a render past its limit ends before the caller hears of it, a renderer
that dies fails only what it held and the next render starts another, and a renderer whose
caller has gone stops its children and exits."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from pypdf import PdfReader

from config import PROJECT_ROOT
from vawg_group.core import pdf_process
from vawg_group.core.pdf_process import RenderFailed, render_to_file

SMALL = {"html": "<h1>Agenda</h1><p>Welcome and apologies.</p>", "title": "Agenda"}
# Enough rows to keep a renderer busy for seconds: what a render past its limit looks like.
LONG = {
    "html": "<table>" + "".join(f"<tr><td>Row {n}</td><td>Text of row {n}</td></tr>" for n in range(20000)) + "</table>",
    "title": "Long",
}


def test_renders_from_several_threads_at_once_each_get_their_own_document(tmp_path):
    titles = [f"Document {n}" for n in range(6)]

    def render(title):
        target = tmp_path / f"{title}.pdf"
        render_to_file({"html": f"<h1>{title}</h1>", "title": title}, target, time_limit=120)
        return target.read_bytes()

    with ThreadPoolExecutor(max_workers=6) as pool:
        pdfs = list(pool.map(render, titles))
    for title, pdf in zip(titles, pdfs, strict=True):
        assert PdfReader(io.BytesIO(pdf)).metadata.title == title


def test_a_render_past_its_limit_has_ended_when_the_caller_hears_and_others_go_on(tmp_path):
    with ThreadPoolExecutor(max_workers=2) as pool:
        slow = pool.submit(render_to_file, LONG, tmp_path / "long.pdf", time_limit=0.5)
        quick = pool.submit(render_to_file, SMALL, tmp_path / "small.pdf", time_limit=120)
        with pytest.raises(RenderFailed, match="took longer than 0.5 seconds"):
            slow.result()
        quick.result()
    time.sleep(1)  # a child still running would write its file now
    assert not (tmp_path / "long.pdf").exists()
    assert (tmp_path / "small.pdf").read_bytes()[:5] == b"%PDF-"


def test_a_renderer_that_dies_fails_the_render_it_held_and_the_next_render_starts_another(tmp_path):
    render_to_file(SMALL, tmp_path / "first.pdf", time_limit=120)
    renderer = pdf_process._renderer
    with ThreadPoolExecutor(max_workers=1) as pool:
        held = pool.submit(render_to_file, LONG, tmp_path / "held.pdf", time_limit=120)
        time.sleep(0.5)
        os.kill(renderer.process.pid, signal.SIGKILL)
        with pytest.raises(RenderFailed, match="the renderer stopped before the document was finished"):
            held.result()
    render_to_file(SMALL, tmp_path / "after.pdf", time_limit=120)
    assert pdf_process._renderer is not renderer
    assert (tmp_path / "after.pdf").read_bytes()[:5] == b"%PDF-"


def test_a_renderer_whose_caller_has_gone_stops_its_children_and_exits(tmp_path):
    renderer = subprocess.Popen(
        [sys.executable, "-m", "vawg_group.core.pdf_child"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=PROJECT_ROOT,
    )
    request = {"id": 1, "options": LONG, "target": str(tmp_path / "long.pdf"), "memory_limit_mb": None, "time_limit": 120}
    renderer.stdin.write(json.dumps(request).encode() + b"\n")
    renderer.stdin.flush()
    time.sleep(3)  # its imports, its warm-up and the start of the render
    renderer.stdin.close()
    renderer.wait(timeout=10)
    answer = json.loads(renderer.stdout.readline())
    assert answer["id"] == 1 and answer["returncode"] == -signal.SIGKILL
    time.sleep(1)
    assert not (tmp_path / "long.pdf").exists()
