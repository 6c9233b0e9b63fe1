"""The catalogue: every unit's names by rule, and the units a question names (never a fragment of one)."""

from __future__ import annotations

import pytest

from assistant.catalog import Catalog, DocKey, Entry, name_variants, unit_identity, unit_roles
from assistant.understand import normalise

UNITS = [
    ("shanghai-sme-office-2024", "上海市促进中小企业发展协调办公室", 2024, "单位预算"),
    ("sh_caizhengju_2025", "上海市财政局", 2025, "单位预算"),
    ("sh_putuo_caizhengju_2025", "上海市普陀区财政局", 2025, "部门预算"),
    ("sh_yibao", "上海市医疗保险事业管理中心", 2026, "单位预算"),
    ("sh_fulicaipiao", "上海市福利彩票发行中心", 2026, "单位预算"),
    ("sh_xingke", "上海市刑事科学技术研究院", 2026, "单位预算"),
    ("sh_jiaotong", "上海交通职业技术学院", 2026, "单位预算"),
    ("sh_xinfangban", "上海市信访办公室", 2026, "单位预算"),
    ("sh_wanli_2023", "上海市普陀区人民政府万里街道办事处", 2023, "部门预算"),
    ("sh_wanli_2024", "上海市普陀区人民政府万里街道办事处", 2024, "部门预算"),
    ("sh_shiquanlu", "上海市普陀区人民政府石泉路街道办事处（本级）", 2026, "单位预算"),
    ("sh_tongji", "上海市统计和大数据研究院（上海市统计数据管理中心）", 2026, "单位预算"),
    ("sh_jianguanwei", "上海市普陀区建设和管理委员会", 2026, "部门预算"),
    ("sh_shangkeda", "上海科技大学附属学校", 2026, "单位预算"),
    ("sh_wenyin", "上海市人民政府办公厅文印中心", 2026, "单位预算"),
    ("sh_sifaju_dept", "上海市普陀区司法局", 2026, "部门预算"),
    ("sh_sifaju_unit", "上海市普陀区司法局", 2026, "单位预算"),
]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog([Entry(i, DocKey(unit_identity(u), y, k)) for i, u, y, k in UNITS])


@pytest.mark.parametrize(
    ("full", "expected"),
    [
        ("上海市信访办公室", {"上海市信访办公室", "信访办公室", "信访办", "上海市信访办"}),
        ("上海市普陀区人民政府万里街道办事处", {"万里街道", "普陀区万里街道", "万里街道办事处"}),
        ("上海市统计和大数据研究院（上海市统计数据管理中心）", {"统计和大数据研究院", "统计数据管理中心"}),
        ("上海市财政局", {"上海市财政局", "财政局"}),
        ("上海市普陀区财政局", {"普陀区财政局", "财政局"}),
    ],
)
def test_names_derived_by_rule(full: str, expected: set[str]) -> None:
    assert expected <= name_variants(full)


def test_a_kind_mark_is_not_part_of_the_name() -> None:
    assert (
        unit_identity("上海市普陀区人民政府石泉路街道办事处（本级）")
        == "上海市普陀区人民政府石泉路街道办事处"
    )
    assert unit_identity("上海市统计和大数据研究院（上海市统计数据管理中心）").endswith(
        "（上海市统计数据管理中心）"
    )


@pytest.mark.parametrize(
    ("question", "units"),
    [
        ("医保中心的物业管理费是多少？", [("上海市医疗保险事业管理中心",)]),
        ("福彩中心的项目支出", [("上海市福利彩票发行中心",)]),
        ("刑科院有几辆车", [("上海市刑事科学技术研究院",)]),
        ("交通职院的事业收入", [("上海交通职业技术学院",)]),
        ("信访办和建管委哪个多", [("上海市信访办公室",), ("上海市普陀区建设和管理委员会",)]),
        ("上科大附校的人员经费", [("上海科技大学附属学校",)]),
        ("文印中心的收入", [("上海市人民政府办公厅文印中心",)]),
        ("上海市财政局的人员经费", [("上海市财政局",)]),
        ("普陀区财政局的人员经费", [("上海市普陀区财政局",)]),
        ("财政局的人员经费", [("上海市普陀区财政局", "上海市财政局")]),
        ("万里街道2024年的项目支出", [("上海市普陀区人民政府万里街道办事处",)]),
        ("统计数据管理中心的公用经费", [("上海市统计和大数据研究院（上海市统计数据管理中心）",)]),
        ("石泉路街道的三公经费", [("上海市普陀区人民政府石泉路街道办事处",)]),
    ],
)
def test_units_named_in_a_question(catalog: Catalog, question: str, units: list[tuple[str, ...]]) -> None:
    assert [m.units for m in catalog.find(normalise(question))] == units


@pytest.mark.parametrize(
    "question",
    [
        "物业管理费是多少万元？",  # 业管理 is three characters of 医疗保险事业管理中心, not a name
        "浦东新区财政局的项目支出是多少？",  # 财政局 inside another unit's name
        "静安区建设和管理委员会2026年的收入预算是多少？",  # nor the tail of one (设和管理委员会)
        "上海市普陀区卫生健康委员会的三公经费",
        "技术中心的支出",  # a shortening must start near the name's beginning
        "中小企业发展专项是多少？",
        "这个办公室负责什么？",
    ],
)
def test_no_unit_from_fragments(catalog: Catalog, question: str) -> None:
    assert catalog.find(normalise(question)) == []


def test_a_second_copy_of_a_budget_is_set_aside() -> None:
    key = DocKey("上海市普陀区人民政府万里街道办事处", 2025, "部门预算")
    catalog = Catalog([Entry("wanli_2025", key), Entry("wanli_2025_tabs", key)])
    assert list(catalog.entries) == ["wanli_2025"]
    assert catalog.duplicates == {"wanli_2025_tabs": "wanli_2025"}


def test_listing_gives_every_unit_its_documents(catalog: Catalog) -> None:
    listing = {u["unit"]: u for u in catalog.listing()}
    assert len(listing) == 15
    assert [d["year"] for d in listing["上海市普陀区人民政府万里街道办事处"]["documents"]] == [2023, 2024]
    assert {d["kind"] for d in listing["上海市普陀区司法局"]["documents"]} == {"部门预算", "单位预算"}
    assert listing["上海市普陀区司法局"]["district"] == "普陀区"
    assert listing["上海市财政局"]["district"] == ""
    assert catalog.years() == [2023, 2024, 2025, 2026]


# budget units printed as rows of a department budget's tables of units

HANGZHOU_INCOME = [
    ("合计", 0),
    ("杭州市气象局", 1),
    ("杭州市气象局", 2),
    ("杭州市气象服务中心（杭州市预警信息发布中心）", 2),
]
HANGZHOU_THREE_PUBLIC = [
    ("合计", 0),
    ("杭州市气象局", 1),
    ("杭州市气象服务中心（杭州市预警信息发布中心）", 1),
]
WUXI_INCOME = [("合计", 0), ("无锡市信访局", 1), ("无锡市信访局（本级）", 2), ("无锡市人民来访接待中心", 2)]
UNNAMED_OWN = [("合计", 0), ("无锡市发展和改革委员会", 1), ("", 2), ("无锡市发展改革研究中心", 2)]
PROJECTS = [
    ("合计", 0),
    ("杭州市气象局气象业务建设", 1),
    ("杭州市气象服务中心（杭州市预警专业系统维护及科普）", 1),
]
FUNCTION = [("合计", 0), ("科学技术支出", 1), ("技术研究与开发", 2)]
# units listed by name alone carry no level; the department's own part among them
BY_NAME = [
    ("合计", 0),
    ("福州市医疗保障基金中心", 0),
    ("福州市医疗保障局", 0),
    ("福州市医疗保障数据技术中心", 0),
]
# each unit's row heads its own classes: the department's row is its own part, the classes no unit
CLASSES = [
    ("合计", 0),
    ("珠海市商务局", 1),
    ("工资和福利支出", 2),
    ("商品和服务支出", 2),
    ("珠海市贸易服务中心", 1),
    ("工资和福利支出", 2),
]
# a project under the department's own part named like an organisation is still the department's project
OWN_PROJECTS = [("合计", 0), ("珠海市商务局", 1), ("党建经费", 2), ("辅助人员补助经费-珠海边检总站", 2)]


@pytest.mark.parametrize(
    ("rows", "department", "expected"),
    [
        # the department's row heads the units below it (its total); the same name below is its own part
        (HANGZHOU_INCOME, "杭州市气象局", {2: ("杭州市气象局", True), 3: (HANGZHOU_INCOME[3][0], False)}),
        # no units below it: the department's row is its own part (合计 is the department's total)
        (
            HANGZHOU_THREE_PUBLIC,
            "杭州市气象局",
            {1: ("杭州市气象局", True), 2: (HANGZHOU_INCOME[3][0], False)},
        ),
        (
            WUXI_INCOME,
            "无锡市信访局",
            {2: ("无锡市信访局（本级）", True), 3: ("无锡市人民来访接待中心", False)},
        ),
        # a row whose name was lost is no unit (never guessed to be the department's own part)
        (UNNAMED_OWN, "无锡市发展和改革委员会", {3: ("无锡市发展改革研究中心", False)}),
        # the document's unit printed with its kind mark
        (
            WUXI_INCOME,
            "无锡市信访局（本级）",
            {2: ("无锡市信访局（本级）", True), 3: ("无锡市人民来访接待中心", False)},
        ),
        (
            BY_NAME,
            "福州市医疗保障局",
            {
                1: ("福州市医疗保障基金中心", False),
                2: ("福州市医疗保障局", True),
                3: ("福州市医疗保障数据技术中心", False),
            },
        ),
        (CLASSES, "珠海市商务局", {1: ("珠海市商务局", True), 4: ("珠海市贸易服务中心", False)}),
        (OWN_PROJECTS, "珠海市商务局", {1: ("珠海市商务局", True)}),
        # tables with no row under the department's own name are no tables of units
        (PROJECTS, "杭州市气象局", None),
        (FUNCTION, "杭州市气象局", None),
    ],
)
def test_unit_roles(rows, department, expected) -> None:
    roles = unit_roles(rows, department)
    assert (None if roles is None else {i: (m.name, m.own) for i, m in roles.items()}) == expected


def _unit_rows(document: str, table: str, rows: list[tuple[str, int]]) -> list[dict]:
    return [
        {"document": document, "table_key": table, "idx": i, "code": "", "name": n, "level": lv}
        for i, (n, lv) in enumerate(rows)
    ]


def departments_catalog() -> Catalog:
    """Two department budgets listing their budget units, a budget that is a department's own part alone
    and two Shanghai budgets."""
    entries = [
        Entry("hz", DocKey("杭州市气象局", 2026, "部门预算"), "杭州市气象局"),
        Entry("wx", DocKey("无锡市信访局", 2025, "部门预算"), "无锡市信访局"),
        Entry("sz", DocKey("深圳市财政局", 2026, "部门预算"), "深圳市财政局（本级）"),
        Entry("sh_xinfangban", DocKey("上海市信访办公室", 2026, "单位预算"), "上海市信访办公室"),
        Entry(
            "sh_wanli",
            DocKey("上海市普陀区人民政府万里街道办事处", 2024, "部门预算"),
            "上海市普陀区人民政府万里街道办事处",
        ),
    ]
    rows = (
        _unit_rows("hz", "income_summary", HANGZHOU_INCOME)
        + _unit_rows("hz", "three_public", HANGZHOU_THREE_PUBLIC)
        + _unit_rows("wx", "income_summary", WUXI_INCOME)
    )
    return Catalog(entries, rows)


@pytest.fixture(scope="module")
def departments() -> Catalog:
    return departments_catalog()


def test_members_of_each_document(departments: Catalog) -> None:
    listed = {d: [(m.label, m.own) for m in ms] for d, ms in departments.members.items()}
    assert listed == {
        "hz": [("杭州市气象局（本级）", True), ("杭州市气象服务中心（杭州市预警信息发布中心）", False)],
        "wx": [("无锡市信访局（本级）", True), ("无锡市人民来访接待中心", False)],
    }
    assert departments.own_member("hz").name == "杭州市气象局"
    assert departments.own_member("sz") is None and departments.entries["sz"].own_part
    assert not departments.entries["hz"].own_part


@pytest.mark.parametrize(
    ("unit", "budget_units"),
    [
        ("杭州市气象局", ["杭州市气象局（本级）", "杭州市气象服务中心（杭州市预警信息发布中心）"]),
        ("无锡市信访局", ["无锡市信访局（本级）", "无锡市人民来访接待中心"]),
        ("深圳市财政局", []),  # a budget of the department's own part alone lists none
        ("上海市信访办公室", []),
    ],
)
def test_the_listing_names_each_department_budgets_units(
    departments: Catalog, unit: str, budget_units: list[str]
) -> None:
    listing = {u["unit"]: u for u in departments.listing()}
    (document,) = listing[unit]["documents"]
    assert document["budget_units"] == budget_units


@pytest.mark.parametrize(
    ("question", "documents", "expected"),
    [
        ("杭州市气象服务中心的收入是多少", (), [("杭州市气象服务中心", "hz")]),
        ("杭州市预警信息发布中心的收入是多少", (), [("杭州市预警信息发布中心", "hz")]),
        ("无锡市人民来访接待中心收入", (), [("无锡市人民来访接待中心", "wx")]),
        # a shortening only within the department budgets the question or conversation is about
        ("局本级和气象服务中心各占多少", ("hz",), [("气象服务中心", "hz")]),
        ("局本级和气象服务中心各占多少", (), []),
        ("来访接待中心的收入", ("wx",), [("来访接待中心", "wx")]),
        # the department's own name and other units are no budget unit of a department budget
        ("杭州市气象局的收入", ("hz",), []),
        ("上海市信访办公室的收入", (), []),
        ("杭州市气象科技中心的收入", ("hz",), []),
    ],
)
def test_find_members(departments: Catalog, question: str, documents: tuple, expected: list) -> None:
    found = departments.find_members(normalise(question), documents)
    assert [(m.surface, m.members[0].document) for m in found] == expected
