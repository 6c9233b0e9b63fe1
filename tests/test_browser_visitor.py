"""A first-time visitor in Debian's Chromium, at phone (390 px) and desktop (1280 px) width: what the
assistant covers, an example, a figure with its source opening the published PDF, a follow-up, a refusal
and its suggestions. After every answer the start of the answer, with its figure, is in view. Screenshots go
to `$BUDGET_QA_SCREENSHOTS` (default index/screenshots/)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.index import build_index
from tests.conftest import ROOT, SEED, SHANGHAI
from tests.servers import CHROMIUM, TIMEOUT, start_with_staff

pytestmark = pytest.mark.browser
WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}
PDFS = [SHANGHAI / f"{n}.pdf" for n in ("sh_shenjiju_2026", "sh_putuo_wanli_2024", "sh_putuo_wanli_2025")]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not Path(CHROMIUM).exists() or not all(p.exists() for p in PDFS):
        pytest.skip("Chromium or the shared PDFs are not present")
    folder = tmp_path_factory.mktemp("visitor-index")
    build_index([SEED, *PDFS], folder, with_vectors=False)
    running = start_with_staff(folder)
    yield running
    running.close()


def _in_view(page: Any, locator: Any) -> bool:
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + min(box["height"], 40) <= height


def _ask(page: Any, question: str, expect: str) -> Any:
    page.locator("#bqa-input textarea").fill(question)
    page.locator("#bqa-send").click()
    return _answer(page, expect)


def _answer(page: Any, expect: str) -> Any:
    bot = page.locator("#bqa-chat .message.bot").last
    bot.filter(has_text=expect).wait_for(timeout=TIMEOUT)
    page.wait_for_timeout(900)  # the page brings the answer's start into view once it is drawn
    figure = bot.get_by_text(re.compile(re.escape(expect))).first
    assert _in_view(page, figure), f"the figure {expect!r} of the newest answer is out of view"
    return bot


def _shot(page: Any, name: str) -> Path:
    shots = Path(os.environ.get("BUDGET_QA_SCREENSHOTS", ROOT / "index" / "screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    path = shots / f"{name}.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000
    return path


@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_first_time_visitor(server: Any, browser: Any, width: str) -> None:
    w, h = WIDTHS[width]
    page = browser.new_page(viewport={"width": w, "height": h})
    page.goto(server.url + "/", timeout=TIMEOUT)
    page.get_by_text("示例问题").wait_for(timeout=TIMEOUT)
    # screen readers: the question box is labelled, the buttons are named
    assert page.get_by_label("问题", exact=True).first.evaluate("e => e.tagName") == "TEXTAREA"
    assert page.get_by_role("button", name="发送").count() == 1

    # what the assistant covers: every unit with its years, searchable
    page.locator("#bqa-coverage").get_by_text("收录范围").click()
    coverage = page.locator("#bqa-coverage-table")
    coverage.get_by_text("上海市审计局").first.wait_for(timeout=TIMEOUT)
    assert coverage.get_by_text("2024、2025").count() >= 1
    _shot(page, f"visitor-{width}-1-coverage")

    # an example question, answered with a figure
    example = page.locator("#bqa-examples button.gallery-item").first
    asked = example.inner_text().strip()
    example.click()
    page.wait_for_function(
        "q => document.querySelector('#bqa-input textarea').value === q", arg=asked, timeout=TIMEOUT
    )
    page.locator("#bqa-send").click()
    _answer(page, "元")
    _shot(page, f"visitor-{width}-2-example")

    # a figure, and its source: the table, row and column in words and the page of the published PDF
    bot = _ask(page, "上海市审计局的会议费是多少？", "395,500元")
    bot.locator("details.bqa-sources summary").click()
    source = bot.locator("details.bqa-sources li").first
    source.wait_for(state="visible", timeout=TIMEOUT)
    text = source.inner_text()
    assert "上海市审计局2026年单位预算" in text and "“302 15 会议费”行“合计”栏" in text and "第" in text
    assert not re.search(r"第\d+行", bot.inner_text())
    link = source.locator("a")
    assert link.inner_text().startswith("打开原文第")
    assert link.get_attribute("href").startswith("/document/sh_shenjiju_2026.pdf#page=")
    _shot(page, f"visitor-{width}-3-figure")

    # a follow-up in the same conversation
    bot = _ask(page, "那培训费呢？", "培训费")
    assert "上海市审计局" in bot.inner_text()
    _shot(page, f"visitor-{width}-4-follow-up")

    # a refusal, with suggestions made from the document in scope
    bot = _ask(page, "审计局的局长是谁？", "可以这样问")
    tips = [line for line in bot.inner_text().splitlines() if "审计局" in line and "？" in line]
    assert len(tips) >= 2
    _shot(page, f"visitor-{width}-5-refusal")

    # an overlong question is refused and stays in the box to be shortened
    long_question = "会议费" * 200
    page.locator("#bqa-input textarea").fill(long_question)
    page.locator("#bqa-send").click()
    page.locator("#bqa-chat .message.bot").last.filter(has_text="字").wait_for(timeout=TIMEOUT)
    assert page.locator("#bqa-input textarea").input_value() == long_question
    page.close()
