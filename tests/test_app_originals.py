"""A budget read from its PDF: the chat cites the page and links to it, and the app serves the published PDF
of an indexed document (read-only, nothing else)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from gradio_client import Client

from assistant.app import start
from assistant.index import build_index
from tests.conftest import SHANGHAI
from tests.servers import free_port

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not SHANGHAI.exists(), reason="shared corpus not present")]
PDF = SHANGHAI / "sh_yuwainongchangguanliban_2026.pdf"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    index = tmp_path_factory.mktemp("index")
    build_index([PDF], index, with_vectors=False)
    running = start(index, port=free_port(), log_db=index / "app.sqlite")
    yield running
    running.close()


def test_a_cited_figure_links_to_its_page_of_the_published_pdf(server: Any) -> None:
    messages, *_ = Client(server.url, verbose=False).predict("农林水支出是多少？", api_name="/chat")
    answer = messages[-1]["content"]
    answer = answer if isinstance(answer, str) else "".join(p.get("text", "") for p in answer)
    assert "118,853,953" in answer
    links = re.findall(r'href="(/document/[^"]+)"', answer)
    assert links and all(
        re.fullmatch(r"/document/sh_yuwainongchangguanliban_2026\.pdf#page=\d+", u) for u in links
    )
    assert re.search(r"第\d+页", answer) and not re.search(r"第\d+行", answer)
    page = httpx.get(server.url + links[0].split("#")[0], timeout=10)
    assert page.status_code == 200
    assert page.headers["content-type"] == "application/pdf"
    assert page.content == PDF.read_bytes()


@pytest.mark.parametrize(
    "path",
    [
        "/document/shanghai-sme-office-2024.pdf",  # not indexed here
        "/document/sh_yuwainongchangguanliban_2026.txt",
        "/document/..%2F..%2Fetc%2Fpasswd.pdf",
        "/document/%2E%2E/facts.sqlite",
    ],
)
def test_only_indexed_pdfs_are_served(server: Any, path: str) -> None:
    response = httpx.get(server.url + path, timeout=10)
    assert response.status_code == 404
    assert b"sqlite" not in response.content.lower() and b"root:" not in response.content
