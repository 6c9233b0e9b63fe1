"""The helpdesk's 问题日志 in Debian's Chromium: a page of the log with a right-to-left override written out
(not obeyed), an entry in full on a click, one click on ▶ 重放 replaying a follow-up with its conversation in
问题追溯, and the page controls. Saves a screenshot (`$BUDGET_QA_SCREENSHOTS`, default index/screenshots/)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.index import build_index
from tests.conftest import ROOT, SEED
from tests.servers import CHROMIUM, PASSWORD, TIMEOUT, USER, start_with_staff

pytestmark = pytest.mark.browser
REVERSED = "\u202e？少多是费公办"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (`make browser` installs it)")
    folder = tmp_path_factory.mktemp("log-index")
    build_index([SEED], folder, with_vectors=False)
    running = start_with_staff(folder)
    yield running
    running.close()


def signed_in(browser: Any, server: Any) -> Any:
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(server.url + "/helpdesk/", timeout=TIMEOUT)
    page.wait_for_url("**/helpdesk/login", timeout=TIMEOUT)
    page.get_by_label("用户名").fill(USER)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("heading", name="预算问答 · 服务台").wait_for(timeout=TIMEOUT)
    return page


def test_the_log_writes_out_direction_characters_and_replays_in_one_click(server: Any, browser: Any) -> None:
    from gradio_client import Client

    visitor = Client(server.url, verbose=False)
    visitor.predict("物业管理费是多少？", api_name="/chat")
    visitor.predict("换算成万元", api_name="/chat")
    log = server.app.state.log
    for n in range(60):  # more than a page
        log.record(f"填充问题 {n}", "table", 1.0)
    log.record(REVERSED, "refuse", 1.0)

    page = signed_in(browser, server)
    page.get_by_role("tab", name="问题日志").click()
    table = page.locator("#bqa-log-table")
    newest = table.get_by_test_id("cell-0-2")
    newest.filter(has_text="⟨U+202E⟩？少多是费公办").wait_for(timeout=TIMEOUT)
    assert newest.inner_text() == "⟨U+202E⟩？少多是费公办" and "\u202e" not in table.inner_text()
    summary = page.locator("#bqa-log-summary")
    assert summary.inner_text().startswith("共 63 条 · 第 1 / 2 页")

    page.get_by_role("button", name="下一页").click()
    summary.filter(has_text="第 2 / 2 页").wait_for(timeout=TIMEOUT)
    question = table.locator("[data-testid^=cell-]", has_text="换算成万元")
    question.wait_for(timeout=TIMEOUT)
    row = (question.get_attribute("data-testid") or "").split("-")[1]
    question.click()  # the entry in full
    entry = page.locator("#bqa-entry")
    entry.get_by_text("物业管理费是多少？").wait_for(timeout=TIMEOUT)
    assert "85.00万元" in entry.inner_text()

    table.get_by_test_id(
        f"cell-{row}-8"
    ).click()  # one click: 问题追溯 with the question and its conversation
    page.get_by_text("与当时的回答一致").wait_for(timeout=TIMEOUT)
    assert page.locator("#desk-question textarea").input_value() == "换算成万元"
    assert page.locator("#desk-earlier textarea").input_value() == "物业管理费是多少？"
    assert "85.00万元" in page.locator("#desk-answer").inner_text()

    page.get_by_role("tab", name="问题日志").click()
    shots = Path(os.environ.get("BUDGET_QA_SCREENSHOTS", ROOT / "index" / "screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "helpdesk-log.png"), full_page=True)
    print(f"screenshot: {shots / 'helpdesk-log.png'}")
    page.close()
