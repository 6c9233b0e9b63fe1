"""Scope: each question resolves to the documents it is about, is refused naming what was asked, or gets a
clarifying answer listing the candidates."""

from __future__ import annotations

import pytest

from assistant.catalog import Catalog, DocKey, Entry, unit_identity
from assistant.scope import Clarify, Last, Refusal, Scope, choose
from assistant.understand import normalise
from tests.test_catalog import UNITS, departments_catalog


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog([Entry(i, DocKey(unit_identity(u), y, k)) for i, u, y, k in UNITS])


def scope_of(catalog: Catalog, question: str, last: Last | None = None, default: str | None = None):
    return choose(normalise(question), last or Last(), catalog, default)


@pytest.mark.parametrize(
    ("question", "documents"),
    [
        ("医保中心的物业管理费是多少？", ("sh_yibao",)),
        ("万里街道2024年的项目支出是多少？", ("sh_wanli_2024",)),
        ("普陀区司法局部门预算的项目支出", ("sh_sifaju_dept",)),
        ("司法局单位预算的项目支出", ("sh_sifaju_unit",)),
        ("市财政局的人员经费", ("sh_caizhengju_2025",)),
        ("普陀区的财政局人员经费", ("sh_putuo_caizhengju_2025",)),
        ("信访办和刑科院的项目支出各是多少？", ("sh_xinfangban", "sh_xingke")),
        ("万里街道2023年到2024年的人员经费", ("sh_wanli_2023", "sh_wanli_2024")),
        ("万里街道历年的人员经费", ("sh_wanli_2023", "sh_wanli_2024")),
        ("万里街道2024年比上年增加多少", ("sh_wanli_2024", "sh_wanli_2023")),
        ("普陀区司法局部门预算和单位预算的项目支出", ("sh_sifaju_dept", "sh_sifaju_unit")),
        ("建管委（2026）和普陀区财政局（2025）的公用经费", ("sh_jianguanwei", "sh_putuo_caizhengju_2025")),
        # 说 ends a name: 部门预算里说局里 names no unit of its own
        ("普陀区司法局部门预算里说局里设了多少个内设机构？", ("sh_sifaju_dept",)),
    ],
)
def test_named_units_and_years_pick_documents(catalog: Catalog, question: str, documents) -> None:
    scope = scope_of(catalog, question)
    assert isinstance(scope, Scope), scope
    assert set(scope.documents) == set(documents)


@pytest.mark.parametrize(
    ("question", "said"),
    [
        ("浦东新区财政局的项目支出是多少？", "浦东新区财政局"),
        ("静安区建设和管理委员会2026年的收入预算是多少？", "静安区建设和管理委员会"),
        ("上海市普陀区卫生健康委员会2025年的三公经费", "上海市普陀区卫生健康委员会"),
        ("医保中心2024年的项目支出是多少？", "2024"),
        ("万里街道2026年的项目支出", "2026"),
    ],
)
def test_unknown_units_and_years_are_refused_by_name(catalog: Catalog, question: str, said: str) -> None:
    scope = scope_of(catalog, question)
    assert isinstance(scope, Refusal)
    assert said in scope.reason


@pytest.mark.parametrize(
    ("question", "candidates"),
    [
        ("财政局的人员经费是多少？", {"上海市财政局", "上海市普陀区财政局"}),
        ("司法局的项目支出是多少？", {"2026年部门预算", "2026年单位预算"}),
        ("万里街道的项目支出是多少？", {"2023年", "2024年"}),
    ],
)
def test_ambiguous_names_ask_which(catalog: Catalog, question: str, candidates: set[str]) -> None:
    scope = scope_of(catalog, question)
    assert isinstance(scope, Clarify)
    assert set(scope.candidates) == candidates


def test_nothing_named_uses_the_conversation_then_the_default(catalog: Catalog) -> None:
    assert isinstance(scope_of(catalog, "项目支出是多少？"), Clarify)
    assert scope_of(catalog, "项目支出是多少？", default="sh_xingke").documents == ("sh_xingke",)
    last = Last(("sh_xinfangban",), ("上海市信访办公室",), 2026)
    assert scope_of(catalog, "项目支出是多少？", last, default="sh_xingke").documents == ("sh_xinfangban",)


@pytest.mark.parametrize(
    ("question", "last", "documents", "switch"),
    [
        ("那刑科院呢？", Last(("sh_xinfangban",), ("上海市信访办公室",), 2026), ("sh_xingke",), True),
        (
            "2024年呢？",
            Last(("sh_wanli_2023",), ("上海市普陀区人民政府万里街道办事处",), 2023),
            ("sh_wanli_2024",),
            True,
        ),
        (
            "去年呢？",
            Last(("sh_wanli_2024",), ("上海市普陀区人民政府万里街道办事处",), 2024),
            ("sh_wanli_2023",),
            True,
        ),
        (
            "那它的公用经费呢？",
            Last(("sh_xingke",), ("上海市刑事科学技术研究院",), 2026),
            ("sh_xingke",),
            False,
        ),
    ],
)
def test_follow_ups_that_change_unit_or_year(catalog: Catalog, question, last, documents, switch) -> None:
    scope = scope_of(catalog, question, last)
    assert isinstance(scope, Scope)
    assert scope.documents == documents
    assert scope.switch is switch


@pytest.mark.parametrize(
    ("question", "count"),
    [
        ("哪个单位的三公经费最多？", 17),
        ("2026年哪个单位的项目支出最少？", 12),
        ("普陀区哪个单位的人员经费最多？", 7),
        ("部门预算中哪个单位的项目支出最多？", 5),
    ],
)
def test_the_whole_corpus_filtered_by_year_kind_and_district(
    catalog: Catalog, question: str, count: int
) -> None:
    scope = scope_of(catalog, question, default="shanghai-sme-office-2024")
    assert isinstance(scope, Scope) and scope.corpus
    assert len(scope.documents) == count


@pytest.mark.parametrize(
    "question",
    [
        # offices and units the budget's own text counts: neither the catalogue nor an unknown unit
        "万里街道2024年有几个处室、几个直属事业单位？",
        "万里街道2024年下辖几个社区卫生服务中心？",
    ],
)
def test_counted_offices_are_about_the_unit_named(catalog: Catalog, question: str) -> None:
    scope = scope_of(catalog, question)
    assert isinstance(scope, Scope) and not scope.catalog_question and not scope.corpus
    assert len(scope.documents) == 1


def test_a_ranking_with_nothing_named_and_no_default_is_over_the_corpus(catalog: Catalog) -> None:
    scope = scope_of(catalog, "项目支出最多的前三名是谁？")
    assert isinstance(scope, Scope) and scope.corpus and len(scope.documents) == 17


@pytest.mark.parametrize(("question", "count"), [("有多少个单位？", 17), ("2024年的预算有几份？", 2)])
def test_catalogue_questions(catalog: Catalog, question: str, count: int) -> None:
    scope = scope_of(catalog, question)
    assert isinstance(scope, Scope) and scope.catalog_question
    assert len(scope.documents) == count


def test_unit_names_are_taken_out_of_the_question(catalog: Catalog) -> None:
    scope = scope_of(catalog, "医保中心的医保缴费是多少？")
    assert scope.question == normalise("的医保缴费是多少？")


@pytest.mark.parametrize(
    ("question", "said"),
    [
        ("审计局的三公经费是多少", "审计局"),
        ("财政局的办公费是多少", "财政局"),
        ("上海市财政局的预算是多少", "上海市财政局"),
    ],
)
def test_with_one_document_other_units_are_refused(question: str, said: str) -> None:
    seed = Catalog([Entry("seed", DocKey("上海市促进中小企业发展协调办公室", 2024, "单位预算"))])
    scope = choose(normalise(question), Last(), seed, "seed", lambda name: False)
    assert isinstance(scope, Refusal) and f"「{said}」" in scope.reason


def test_an_office_the_document_names_is_not_an_unknown_unit() -> None:
    seed = Catalog([Entry("seed", DocKey("上海市促进中小企业发展协调办公室", 2024, "单位预算"))])
    scope = choose(
        normalise("重点企业服务办公室的主要职能是什么？"),
        Last(),
        seed,
        "seed",
        lambda name: "重点企业服务办公室" in name,
    )
    assert isinstance(scope, Scope) and scope.documents == ("seed",)


# budget units inside department budgets


@pytest.fixture(scope="module")
def departments() -> Catalog:
    return departments_catalog()


HZ_CENTRE = "杭州市气象服务中心（杭州市预警信息发布中心）"


@pytest.mark.parametrize(
    ("question", "last", "document", "members", "department"),
    [
        (
            "杭州市气象局下属的杭州市气象服务中心2026年收入预算是多少？",
            None,
            "hz",
            [(HZ_CENTRE, False)],
            True,
        ),
        (
            "杭州市气象服务中心（杭州市气象局下属单位）2026年三公经费预算多少？",
            None,
            "hz",
            [(HZ_CENTRE, False)],
            True,
        ),
        (
            "无锡市人民来访接待中心2025年收入预算是多少？",
            None,
            "wx",
            [("无锡市人民来访接待中心", False)],
            False,
        ),
        (
            "杭州市气象局2026年部门收入预算总计多少？局本级和气象服务中心各占多少？",
            None,
            "hz",
            [("杭州市气象局", True), (HZ_CENTRE, False)],
            True,
        ),
        ("无锡市信访局本级的收入预算是多少？", None, "wx", [("无锡市信访局（本级）", True)], False),
        # the own part with every subordinate unit, however many there are
        (
            "无锡市信访局本级和各下属单位的收入预算各是多少？",
            None,
            "wx",
            [("无锡市信访局（本级）", True), ("无锡市人民来访接待中心", False)],
            False,
        ),
        (
            "无锡市信访局的收入是怎么分到局本级和下属单位的？",
            None,
            "wx",
            [("无锡市信访局（本级）", True), ("无锡市人民来访接待中心", False)],
            False,
        ),
        (
            "杭州市气象局2026年一般公共预算拨款收入共有多少？局本级和一个下属单位各是多少？",
            None,
            "hz",
            [("杭州市气象局", True), (HZ_CENTRE, False)],
            False,
        ),
        # in a conversation about the department, its units by a shortening
        ("那气象服务中心呢？", Last(("hz",), ("杭州市气象局",), 2026), "hz", [(HZ_CENTRE, False)], False),
        # a budget that is the department's own part alone: the whole document, no row
        ("深圳市财政局（本级）2026年预算中行政运行科目安排了多少钱？", None, "sz", [], False),
        # the department alone: its own totals, no unit's row
        ("杭州市气象局2026年收入预算是多少？", None, "hz", [], False),
    ],
)
def test_budget_units_scope_their_department_budget(
    departments: Catalog, question: str, last, document: str, members: list, department: bool
) -> None:
    scope = scope_of(departments, question, last)
    assert isinstance(scope, Scope), scope
    assert scope.documents == (document,)
    assert [(m.name, m.own) for m in scope.members] == members
    assert scope.department is (department and bool(members))
    assert "服务中心" not in scope.question and "接待中心" not in scope.question


@pytest.mark.parametrize(
    ("question", "said"),
    [
        ("杭州市气象科技中心的收入是多少？", "杭州市气象科技中心"),  # not a unit of any budget held
        ("杭州市气象服务中心2025年收入预算是多少？", "2025"),
        ("万里街道本级的收入", "单位预算"),  # 本级 of a budget without tables of units: as before
    ],
)
def test_budget_units_not_held_are_refused(departments: Catalog, question: str, said: str) -> None:
    scope = scope_of(departments, question)
    assert isinstance(scope, Refusal), scope
    assert said in scope.reason


@pytest.mark.parametrize(
    ("question", "candidates"),
    [
        (
            "气象服务中心的收入是多少？",
            ("杭州市气象局2026年部门预算中的「杭州市气象服务中心（杭州市预警信息发布中心）」",),
        ),
        ("来访接待中心的收入是多少？", ("无锡市信访局2025年部门预算中的「无锡市人民来访接待中心」",)),
    ],
)
def test_a_shortened_budget_unit_without_its_department_is_asked_about(
    departments: Catalog, question: str, candidates: tuple
) -> None:
    scope = scope_of(departments, question)
    assert isinstance(scope, Clarify), scope
    assert scope.candidates == candidates


@pytest.mark.parametrize(
    ("question", "listing"),
    [
        ("杭州市气象局2026年部门预算包括哪些预算单位？", ("hz",)),
        ("无锡市信访局下属单位有几个？", ("wx",)),
        ("杭州市气象局2026年部门预算包括哪些下属预算单位？", ("hz",)),  # two words before 单位
        # a budget whose tables list no unit: its 机构设置 passage may (the engine decides)
        ("深圳市财政局（本级）2026年部门预算包括哪些下属预算单位？", ("sz",)),
        # each unit's figure is asked, not the listing
        ("杭州市气象局局本级和下属单位的收入各是多少？", None),
        ("收录了哪些单位？", None),  # the catalogue itself
        ("上海市信访办公室本级的收入", None),  # a 单位预算: 本级 names it, as before
    ],
)
def test_listing_budget_units(departments: Catalog, question: str, listing) -> None:
    scope = scope_of(departments, question)
    assert isinstance(scope, Scope)
    assert (scope.documents if scope.member_listing else None) == listing


@pytest.mark.parametrize(
    ("question", "listing"),
    [
        # the kind named picks one of the unit's documents; its 机构设置 passage may list the units
        ("普陀区司法局部门预算里包括哪几个单位？", ("sh_sifaju_dept",)),
        ("普陀区司法局单位预算包括哪些下属单位？", ("sh_sifaju_unit",)),
        ("普陀区司法局包括哪几个单位？", None),  # two documents: asked which, as for any question
    ],
)
def test_listing_units_of_one_document_of_the_kind_named(catalog: Catalog, question: str, listing) -> None:
    scope = scope_of(catalog, question)
    assert (scope.documents if isinstance(scope, Scope) and scope.member_listing else None) == listing
