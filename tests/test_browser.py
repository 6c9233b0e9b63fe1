"""End to end in Debian's Chromium: a question and a follow-up in the public chat, the rendered answer, its
来源 and chart, and the helpdesk's Chinese login refusing a wrong password, then logging out. Saves a screenshot and prints its path
(`$BUDGET_QA_SCREENSHOTS`, default index/screenshots/)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.index import build_index
from tests.servers import CHROMIUM, PASSWORD, TIMEOUT, USER, start_with_staff

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus" / "shanghai-sme-office-2024.txt"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (`make browser` installs it)")
    folder = tmp_path_factory.mktemp("index")
    build_index([CORPUS], folder, with_vectors=False)
    running = start_with_staff(folder)
    yield running
    running.close()


def ask(page: Any, question: str, expect: str) -> Any:
    """Type a question, send it, wait until the newest bot message holds `expect`; returns that message."""
    page.locator("#bqa-input textarea").fill(question)
    page.locator("#bqa-send").click()
    bot = page.locator("#bqa-chat .message.bot").last
    bot.filter(has_text=expect).wait_for(timeout=TIMEOUT)
    return bot


def test_question_follow_up_source_and_chart(server: Any, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(server.url + "/", timeout=TIMEOUT)
    page.get_by_text("示例问题").wait_for(timeout=TIMEOUT)

    bot = ask(page, "物业管理费是多少？", "850,000元")
    summary = bot.locator("details.bqa-sources summary")
    assert summary.inner_text().startswith("来源")
    summary.click()
    source = bot.locator("details.bqa-sources li").first
    source.wait_for(state="visible", timeout=TIMEOUT)
    assert "经济分类预算表" in source.inner_text() and "302 09 物业管理费" in source.inner_text()

    bot = ask(page, "换算成万元", "85.00万元")
    assert "物业管理费" in bot.inner_text()
    assert page.locator("#bqa-chat .message.bot").count() == 2

    ask(page, "<b>三公</b>经费由哪些部分构成？", "公务接待费")
    assert "<b>三公</b>" in page.locator("#bqa-chat .message.user").last.inner_text()
    chart = page.locator("#bqa-chart svg.bqa-chart")
    chart.wait_for(timeout=TIMEOUT)
    assert chart.locator("rect").count() == 3

    page.locator("#bqa-useful").click()
    page.locator("#bqa-note").filter(has_text="已记录：有用").wait_for(timeout=TIMEOUT)

    shots = Path(os.environ.get("BUDGET_QA_SCREENSHOTS", ROOT / "index" / "screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    shot = shots / "chat.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")
    assert shot.stat().st_size > 10_000
    page.close()


def test_helpdesk_login_in_chinese_refuses_a_wrong_password_and_logs_out(server: Any, browser: Any) -> None:
    page = browser.new_page()
    page.goto(server.url + "/helpdesk/", timeout=TIMEOUT)
    page.wait_for_url("**/helpdesk/login", timeout=TIMEOUT)
    assert page.get_by_text("预算问答 · 服务台：请登录").is_visible()
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.get_by_label("用户名").fill(USER)
    page.get_by_label("密码").fill(PASSWORD + "x")
    page.get_by_role("button", name="登录").click()
    page.get_by_text("用户名或密码不正确。").wait_for(timeout=TIMEOUT)
    assert page.get_by_role("tab", name="问题追溯").count() == 0
    assert page.get_by_label("用户名").input_value() == USER  # the name stays, the password does not
    assert page.get_by_label("密码").input_value() == ""

    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("heading", name="预算问答 · 服务台").wait_for(timeout=TIMEOUT)
    page.get_by_role("tab", name="问题追溯").first.wait_for(timeout=TIMEOUT)
    page.locator("#desk-question textarea").fill("物业管理费是多少？")
    page.get_by_role("button", name="追溯").click()
    page.get_by_text("路由：table").wait_for(timeout=TIMEOUT)
    assert "302 09 物业管理费" in page.locator("body").inner_text()

    page.locator("#desk-logout").click()
    page.get_by_text("已退出登录。").wait_for(timeout=TIMEOUT)
    page.goto(server.url + "/helpdesk/", timeout=TIMEOUT)
    page.wait_for_url("**/helpdesk/login", timeout=TIMEOUT)
    page.close()


@pytest.fixture(scope="module")
def pdf_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    pdf = ROOT.parent / "shared" / "corpus" / "shanghai" / "sh_yuwainongchangguanliban_2026.pdf"
    if not Path(CHROMIUM).exists() or not pdf.exists():
        pytest.skip("Chromium or the shared PDF is not present")
    folder = tmp_path_factory.mktemp("pdf-index")
    build_index([pdf], folder, with_vectors=False)
    running = start_with_staff(folder)
    yield running
    running.close()


def test_a_source_opens_the_published_pdf_at_its_page(pdf_server: Any, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(pdf_server.url + "/", timeout=TIMEOUT)
    bot = ask(page, "农林水支出是多少？", "118,853,953")
    bot.locator("details.bqa-sources summary").click()
    link = bot.locator("details.bqa-sources li a").first
    link.wait_for(state="visible", timeout=TIMEOUT)
    assert link.inner_text().startswith("打开原文第") and "页" in link.inner_text()
    href = link.get_attribute("href") or ""
    assert href.startswith("/document/sh_yuwainongchangguanliban_2026.pdf#page=")
    assert link.get_attribute("target") == "_blank"
    opened = page.request.get(pdf_server.url + href.split("#")[0])
    assert opened.status == 200 and opened.headers["content-type"] == "application/pdf"
    assert opened.body()[:5] == b"%PDF-"
    page.close()
