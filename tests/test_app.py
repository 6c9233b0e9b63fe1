"""The web app against a real server on 127.0.0.1: chat with context, sources, charts, feedback, limits,
failures, and the helpdesk's login — through gradio_client and plain HTTP."""

from __future__ import annotations

import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from gradio_client import Client

from assistant.app import FAILED, MAX_CHARS, TOO_LONG, Bar, bar_chart_svg, chart_bars, start
from assistant.applog import AppLog, LogFilter
from assistant.engine import Assistant
from assistant.index import build_index
from tests.servers import PASSWORD, USER, free_port, start_with_staff

pytestmark = pytest.mark.slow
CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "shanghai-sme-office-2024.txt"


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("index")
    build_index([CORPUS], folder, with_vectors=False)
    return folder


@pytest.fixture(scope="module")
def server(index_dir: Path) -> Iterator[Any]:
    running = start_with_staff(index_dir)
    yield running
    running.close()


def text_of(message: dict[str, Any]) -> str:
    content = message["content"]
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return str(content)


def chat(client: Client, question: str) -> tuple[str, str, str]:
    """(user message as shown, answer as shown, chart html) of one turn; the box is cleared after an
    answer and keeps a question refused for its length, so it can be shortened."""
    messages, box, chart, _note = client.predict(question, api_name="/chat")
    assert box == (question if len(question) > MAX_CHARS else "")
    return text_of(messages[-2]), text_of(messages[-1]), chart


def test_public_api_offers_only_the_chat_and_feedback(server: Any) -> None:
    info = Client(server.url, verbose=False).view_api(print_info=False, return_format="dict")
    assert sorted(info["named_endpoints"]) == ["/chat", "/useful", "/wrong"]


@pytest.mark.parametrize(
    ("first", "first_figure", "follow_up", "follow_figure", "table"),
    [
        ("物业管理费是多少？", "850,000元", "换算成万元", "85.00万元", "经济分类预算表"),
        ("人员经费多少？", "6,720,000", "两者相差多少？", "", "财务收支预算总表"),
        ("会议费预算多少？", "30,000元", "那差旅费呢？", "100,000元", "经济分类预算表"),
    ],
)
def test_question_and_follow_up_keep_context(
    server: Any, first: str, first_figure: str, follow_up: str, follow_figure: str, table: str
) -> None:
    client = Client(server.url, verbose=False)
    _, answer, _ = chat(client, first)
    assert first_figure in answer
    assert "<summary>来源" in answer and table in answer
    if not follow_figure:  # a pair question: needs a second item first
        _, answer, _ = chat(client, "公用经费呢？")
        assert "1,855,000" in answer
        follow_figure = "4,865,000"
    _, answer, _ = chat(client, follow_up)
    assert follow_figure in answer
    assert "<summary>来源" in answer


def test_follow_up_alone_has_no_context(server: Any) -> None:
    _, answer, _ = chat(Client(server.url, verbose=False), "换算成万元")
    assert "85.00万元" not in answer


@pytest.mark.parametrize(
    ("question", "labels"),
    [
        ("“三公”经费由哪些部分构成？", ["因公出国(境)费", "公务接待费", "公务用车购置及运行费"]),
        ("支出结构是怎样的？", ["人员经费", "公用经费", "项目支出"]),
        ("物业管理费是多少？", []),
    ],
)
def test_chart_beside_composition_answers(server: Any, question: str, labels: list[str]) -> None:
    _, _, chart = chat(Client(server.url, verbose=False), question)
    if labels:
        assert chart.startswith("<svg") and chart.count("<rect") == len(labels)
        assert all(f"<title>{label}</title>" in chart for label in labels)
    else:
        assert "<svg" not in chart


def test_feedback_is_stored_with_the_question(server: Any, index_dir: Path) -> None:
    client = Client(server.url, verbose=False)
    assert client.predict(api_name="/wrong") == "先提一个问题，再评价回答。"
    chat(client, "办公费是多少？")
    assert client.predict(api_name="/wrong") == "已记录：有误。谢谢！"
    log = AppLog(index_dir / "app.sqlite")
    entry = log.entries(LogFilter(text="办公费是多少？"))[0]
    assert (entry.question, entry.route, entry.feedback, entry.status) == (
        "办公费是多少？",
        "table",
        "有误",
        "ok",
    )
    log.close()


@pytest.mark.parametrize(
    ("question", "shown", "absent", "answer_part"),
    [
        (
            "<script>alert(1)</script>物业管理费是多少？",
            "&lt;script&gt;alert(1)&lt;/script&gt;",
            "<script>",
            "850,000",
        ),
        ("<img src=x onerror=alert(1)>办公费？", "&lt;img src=x onerror=alert(1)&gt;", "<img", "300,000"),
        ("物" * (MAX_CHARS + 1), f"（共 {MAX_CHARS + 1} 字）", "物" * 121, TOO_LONG),
    ],
)
def test_html_and_overlong_questions(
    server: Any, question: str, shown: str, absent: str, answer_part: str
) -> None:
    user, answer, _ = chat(Client(server.url, verbose=False), question)
    assert shown in user and absent not in user
    assert answer_part in answer


def test_overlong_question_is_logged_capped(server: Any, index_dir: Path) -> None:
    chat(Client(server.url, verbose=False), "费" * 2000)
    log = AppLog(index_dir / "app.sqlite")
    entry = log.entries(LogFilter(status="too_long", text="费费费"))[0]
    assert len(entry.question) == MAX_CHARS + 1 and entry.route == ""
    log.close()


def test_failed_answer_is_friendly_logged_and_the_app_keeps_serving(server: Any, index_dir: Path) -> None:
    assistant = server.app.state.assistant.current()  # the live build's assistant
    saved_docs, saved_lexicons = dict(assistant._docs), dict(assistant._lexicons)
    assistant._docs.clear()  # a broken index: every document lookup fails inside the engine
    assistant._lexicons.clear()
    store, assistant.store = assistant.store, None
    try:
        _, answer, _ = chat(Client(server.url, verbose=False), "公务接待费是多少？")
    finally:
        assistant.store = store
        assistant._docs.update(saved_docs)
        assistant._lexicons.update(saved_lexicons)
    assert answer == FAILED
    log = AppLog(index_dir / "app.sqlite")
    entry = log.entries(LogFilter(status="error"))[0]
    assert entry.question == "公务接待费是多少？" and entry.error.startswith("AttributeError")
    log.close()
    _, answer, _ = chat(Client(server.url, verbose=False), "公务接待费是多少？")
    assert "30,000元" in answer


def test_helpdesk_requires_login_and_refuses_a_wrong_password(server: Any) -> None:
    desk = server.url + "/helpdesk"
    assert httpx.get(desk + "/config").status_code == 401
    assert httpx.post(desk + "/gradio_api/call/log", json={"data": ["", "", "", "", "", ""]}).status_code in (
        401,
        403,
    )
    wrong = httpx.post(desk + "/login", data={"username": USER, "password": PASSWORD + "x"})
    assert wrong.status_code == 400
    nobody = httpx.post(desk + "/login", data={"username": "root", "password": PASSWORD})
    assert nobody.status_code == 400
    with httpx.Client() as http:
        assert http.post(desk + "/login", data={"username": USER, "password": PASSWORD}).status_code == 200
        assert http.get(desk + "/config").status_code == 200


def test_helpdesk_traces_a_figure_and_shows_the_log(server: Any) -> None:
    chat(Client(server.url, verbose=False), "物业管理费是多少？")
    desk = Client(server.url + "/helpdesk/", auth=(USER, PASSWORD), verbose=False)
    answer, cells, formula, others, reply = desk.predict("物业管理费是多少？", "", "", api_name="/trace")
    assert "路由：table" in answer
    assert cells["data"] == [
        [
            "表格",
            "2024年预算单位一般公共预算基本支出部门预算经济分类预算表",
            "302 09 物业管理费",
            "合计",
            "850,000",
            "元",
            406,
            "",
        ]
    ]
    assert formula == "（无计算）"
    assert [
        "850,000元",
        "2024年预算单位一般公共预算基本支出部门预算经济分类预算表",
        "302 09 物业管理费",
        "公用经费",
        "850,000元",
        406,
    ] in others["data"]
    assert reply.startswith("物业管理费：850,000元") and "数据来源：" in reply
    rows, summary, page, link = desk.predict("物业管理费", "table", "", "", "", "", api_name="/log")
    assert rows["data"] and all("物业管理费" in r[2] and r[3] == "table" for r in rows["data"])
    assert summary.startswith("共 ") and page == 1
    assert link.startswith(
        '<a href="/helpdesk/log.csv?text=%E7%89%A9%E4%B8%9A%E7%AE%A1%E7%90%86%E8%B4%B9&amp;route=table"'
    )


def test_helpdesk_is_off_without_accounts(index_dir: Path, tmp_path: Path) -> None:
    saved = {
        k: os.environ.pop(k)
        for k in ("BUDGET_QA_HELPDESK_USERS", "BUDGET_QA_HELPDESK_USERS_FILE")
        if k in os.environ
    }
    try:
        running = start(index_dir, "127.0.0.1", free_port(), log_db=tmp_path / "app.sqlite")
    finally:
        os.environ.update(saved)
    try:
        config = httpx.get(running.url + "/helpdesk/config").json()
        text = str(config)
        assert (
            "服务台未开启" in text and "login" not in httpx.get(running.url + "/helpdesk/config").text.lower()
        )
        assert (
            httpx.post(running.url + "/helpdesk/login", data={"username": "a", "password": "b"}).status_code
            != 200
        )
    finally:
        running.close()


@pytest.mark.parametrize(
    ("question", "labels"),
    [
        ("公用经费由哪些部分构成？", ["商品和服务支出", "资本性支出"]),
        (
            "经济分类中哪一类支出最多？",
            ["工资福利支出", "商品和服务支出", "对个人和家庭的补助", "资本性支出"],
        ),
        ("两者相差多少？", []),
        ("什么是机关运行经费？", []),
    ],
)
def test_chart_bars_from_citations(index_dir: Path, question: str, labels: list[str]) -> None:
    answer = Assistant.open(index_dir).ask(question)
    assert [b.label for b in chart_bars(answer)] == labels


def test_bar_chart_escapes_labels() -> None:
    svg = bar_chart_svg([Bar("<b>x</b>", Decimal(5)), Bar("y", Decimal(10))])
    assert "<b>" not in svg and "&lt;b&gt;x&lt;/b&gt;" in svg and ">10元<" in svg


def test_examples_and_picker_fit_what_the_index_holds(two_doc_index) -> None:
    from assistant.app import document_choices, example_questions, intro_text
    from assistant.engine import Assistant

    several = Assistant.open(two_doc_index)
    choices = document_choices(several)
    assert choices[0][1] == "" and {c[1] for c in choices[1:]} == set(several.catalog.entries)
    for question in example_questions(several):
        answer = several.ask(question)
        assert answer.route in ("table", "text", "hybrid"), (question, answer.text)
    assert "上海市审计局" in intro_text(several)
    scoped = several.ask("办公费是多少？", document="sh_shenjiju_2026")
    assert {c.document for c in scoped.citations} == {"sh_shenjiju_2026"}


def test_a_comparison_across_units_charts_one_bar_per_unit(two_doc_index) -> None:
    from assistant.app import chart_bars
    from assistant.engine import Assistant

    several = Assistant.open(two_doc_index)
    answer = several.ask("审计局和促进中小企业发展协调办公室的办公费各是多少？")
    bars = chart_bars(answer)
    assert [b.label for b in bars] == ["上海市审计局（2026年）", "上海市促进中小企业发展协调办公室（2024年）"]
    assert [int(b.value) for b in bars] == [1100000, 300000]


def test_public_citations_are_in_words_with_the_page_and_no_line() -> None:
    from assistant.app import public_citation, source_item, terms_html
    from assistant.records import Citation

    cell = Citation(
        "table", "d1", table="2026年支出预算总表", row="合计", column="合计", value="5000", unit="元", line=88
    )
    assert (
        public_citation(cell, "某局2026年单位预算")
        == "某局2026年单位预算：《2026年支出预算总表》“合计”行“合计”栏：5,000元"
    )
    paged = Citation(
        "table", "d1", table="表", row="302 15 会议费", column="合计", value="1", unit="元", page=7, ocr=True
    )
    assert public_citation(paged) == "《表》“302 15 会议费”行“合计”栏，第7页（图像识别）：1元"
    assert 'href="/document/d1.pdf#page=7"' in source_item(paged)
    passage = Citation("text", "d1", section="主要职能", quote="负责审计。", line=3)
    assert public_citation(passage) == "「主要职能」：“负责审计。”" and "3" not in public_citation(passage)
    assert terms_html([("三公经费", "<b>x</b>")]) == (
        '<div class="bqa-terms"><span>名词解释</span><ul><li><b>三公经费</b>：&lt;b&gt;x&lt;/b&gt;</li></ul></div>'
    )


def test_coverage_lists_every_unit_with_its_years(two_doc_index) -> None:
    from assistant.app import coverage_rows

    rows = coverage_rows(Assistant.open(two_doc_index))
    assert len(rows) == 2 and all(r[1].isdigit() and r[2] and r[3] == "" for r in rows)


def test_a_chart_has_its_figures_as_a_table(index_dir: Path) -> None:
    from assistant.app import chart_html

    html = chart_html(Assistant.open(index_dir).ask("三公经费由哪些部分构成？"))
    assert "<svg" in html and "<table>" in html and "<th scope='row'>公务接待费</th><td>30,000</td>" in html


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            "**会议费**：1元。\n来源：《表》“会议费”行“合计”栏\n\n（依据：某局）",
            "**会议费**：1元。\n\n（依据：某局）",
        ),
        (
            "**合计**：2元。\n来源：《表》“合计”行“合计”栏；与《乙表》中的同一数字一致",
            "**合计**：2元。\n与《乙表》中的同一数字一致。",
        ),
        (
            "三公经费：\n- **甲**：1元\n\n来源：\n- 甲：《表》“合计”行“合计”栏\n\n（依据）",
            "三公经费：\n- **甲**：1元\n\n（依据）",
        ),
        ("计算：1 ÷ 2\n\n- 甲：《表》“甲”行“合计”栏", "计算：1 ÷ 2\n\n- 甲：《表》“甲”行“合计”栏"),
    ],
)
def test_the_public_answer_leaves_its_sources_to_the_sources_block(text: str, shown: str) -> None:
    from assistant.app import without_source_lines

    assert without_source_lines(text) == shown


def test_the_chat_answers_while_its_log_database_is_unreachable(
    assistant: Assistant, postgres_cluster: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    import psycopg

    from assistant.app import ChatService

    url = postgres_cluster.database()
    name = url.rsplit("/", 1)[1]
    service = ChatService(assistant, AppLog(url))
    assert service.respond("物业管理费是多少？", [], [])[4] == 1

    def allow(connections: bool) -> None:
        with psycopg.connect(postgres_cluster.url, autocommit=True) as admin:
            admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS {str(connections).lower()}")
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
            )

    allow(False)
    messages, _, _, questions, entry = service.respond("办公费是多少？", [], [])
    assert "300,000元" in messages[-1]["content"] and questions == ["办公费是多少？"] and entry is None
    assert service.feedback(1, "有误") == "暂时无法记录评价，请稍后再试。"
    assert capsys.readouterr().err.count("budget-qa: the question log cannot be written") == 2
    allow(True)
    assert service.respond("会议费预算多少？", [], [])[4] == 2  # the log reconnects by itself
    assert service.feedback(2, "有误") == "已记录：有误。谢谢！"
    service.log.close()


def test_the_chat_reuses_an_answer_only_in_the_same_conversation(seed_index: Path, tmp_path: Path) -> None:
    from assistant.app import ChatService

    service = ChatService(Assistant.open(seed_index), AppLog(tmp_path / "app.sqlite"))
    asked = [
        ("物业管理费是多少？", []),
        ("物业管理费是多少？", []),  # another visitor, the same first question: kept
        ("那办公费呢？", ["物业管理费是多少？"]),
        ("那办公费呢？", ["会议费是多少？"]),  # another conversation: answered again
        ("那办公费呢？", ["物业管理费是多少？"]),  # kept
    ]
    replies = [service.respond(q, [], history)[0][-1]["content"] for q, history in asked]
    assert [("850,000元" in r, "300,000元" in r) for r in replies] == [
        (True, False),
        (True, False),
        (False, True),
        (False, True),
        (False, True),
    ]
    assert replies[0] == replies[1] and replies[2] == replies[4]
    assert service.answers.answers.stats() == {"hits": 2, "asked": 5, "hit_rate": 0.4, "kept": 3}
    assert service.log.count() == 5  # every question logged, kept answers too
    service.log.close()


def test_sigusr1_reports_the_answer_cache(seed_index: Path, tmp_path: Path, capsys: Any) -> None:
    import json
    import signal
    import time

    from assistant.app import report_on_signal

    running = start(seed_index, "127.0.0.1", free_port(), log_db=tmp_path / "app.sqlite")
    previous = signal.getsignal(signal.SIGUSR1)
    try:
        httpx.post(f"{running.url}/api/ask", json={"question": "办公费是多少？"}, timeout=30, trust_env=False)
        httpx.post(f"{running.url}/api/ask", json={"question": "办公费是多少？"}, timeout=30, trust_env=False)
        report_on_signal(running.app)
        os.kill(os.getpid(), signal.SIGUSR1)
        time.sleep(0.2)  # the handler runs in the main thread between two instructions
    finally:
        signal.signal(signal.SIGUSR1, previous)
        running.close()
    line = capsys.readouterr().err.strip().splitlines()[-1]
    figures = json.loads(line.removeprefix("answer cache: "))
    assert figures["answers"] == {"hits": 1, "asked": 2, "hit_rate": 0.5, "kept": 1}
    assert figures["states"]["asked"] == 0  # no follow-up asked
