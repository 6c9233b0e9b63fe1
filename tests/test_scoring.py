"""Tests for assistant.scoring: every expectation rule, with answers that must pass and must fail."""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from assistant.scoring import distinct_figures, figures, score, validate_expect

TABLE_CITATION = {
    "source": "table",
    "document": "shanghai-sme-office-2024",
    "table": "2024年一般公共预算基本支出部门预算经济分类预算表",
    "row": "302 01 办公费",
    "column": "公用经费",
    "value": "300000",
    "unit": "元",
}
TEXT_CITATION = {
    "source": "text",
    "document": "shanghai-sme-office-2024",
    "section": "名词解释",
    "quote": "机关运行经费：指为保障行政单位（包括参照公务员法管理的事业单位）运行用于购买货物和服务的各项资金。",
}


def answer(text: str, route: str = "table", citations: list | None = None) -> dict:
    return {
        "answer": text,
        "route": route,
        "citations": [TABLE_CITATION] if citations is None else citations,
        "values": [],
        "formula": "",
        "latency_ms": 1.0,
    }


# ------------------------------------------------------------------ figures


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("收入10,555,000元", [("10,555,000元", "10555000", 0, "元", True)]),
        ("即1055.50 万元", [("1055.50 万元", "1055.50", 2, "万元", False)]),
        ("０.１０５５５０亿元", [("0.105550亿元", "0.105550", 6, "亿元", False)]),
        ("占63.67％", [("63.67%", "63.67", 2, "%", False)]),
        ("约3.5倍", [("3.5倍", "3.5", 1, "倍", False)]),
        ("0台（套）", [("0台", "0", 0, "台", False)]),
        ("2024年预算，2023年度，1月5日", []),
        ("208 05 01 行政单位离退休 158,980", [("158,980", "158980", 0, "", True)]),
        ("301 02 津贴补贴", []),
        ("208 社会保障和就业支出 1,181,680元", [("1,181,680元", "1181680", 0, "元", True)]),
        ("1. 办公费\n2、 差旅费\n- 3. 印刷费\n(4) 邮电费 第5项", []),
        ("> 1.承担立法工作\n\n> 12.管理监狱", []),  # the ordinals of a quoted passage
        ("> 1.5万元", [("1.5万元", "1.5", 1, "万元", False)]),
        ("1.5万元", [("1.5万元", "1.5", 1, "万元", False)]),
        ("编号d001", []),
        ("100 人", [("100 人", "100", 0, "人", False)]),
    ],
)
def test_figures(text: str, expected: list) -> None:
    found = [(f.text, str(f.value), f.decimals, f.unit, f.grouped) for f in figures(text)]
    assert found == expected


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("10,555,000元，即1,055.5万元，0.105550亿元", 1),
        ("5%和5台和5元", 3),
        ("2024年 208 05 01 1,000元 2,000元", 2),
        ("1,000元 1,000 1000", 1),
        ("", 0),
    ],
)
def test_distinct_figures(text: str, count: int) -> None:
    assert distinct_figures(text) == count


# ------------------------------------------------------------------ amounts

AMOUNT = {"amounts": [10555000]}
NOT_SHOWN = ["amount 10,555,000元 not shown"]


@pytest.mark.parametrize(
    ("text", "reasons"),
    [
        ("2024年收入预算为10,555,000元。", []),
        ("收入预算为1,055.5万元。", []),
        ("收入预算为1055.50 万元。", []),
        ("收入预算为0.105550亿元。", []),
        ("收入预算为1055.5万。", []),
        ("收入预算为10,555千元。", []),
        ("收入预算为１０,５５５,０００元。", []),
        ("| 收入合计 | 10,555,000 |", []),
        ("收入预算为10555000", []),
        ("收入预算为1,056万元。", NOT_SHOWN),  # rounding coarser than 0.01%
        ("收入预算为0.1056亿元。", NOT_SHOWN),
        ("收入预算为1,055.55万元。", NOT_SHOWN),  # wrong figure
        ("收入预算为10,555,001元。", NOT_SHOWN),  # not a rounding, a different number
        ("收入预算为10555万元。", NOT_SHOWN),  # wrong unit conversion
        ("收入预算为1055.5。", NOT_SHOWN),  # bare, no separators, not equal
        ("收入预算为10,555,000%。", NOT_SHOWN),
    ],
)
def test_amounts(text: str, reasons: list[str]) -> None:
    assert score(AMOUNT, answer(text)) == reasons


@pytest.mark.parametrize(
    ("amount", "text", "passes"),
    [
        (1181680, "118.168万元", True),
        (1181680, "118.17万元", True),  # off by 20元: a correct rounding, within 0.01% (118.168元)
        (1181680, "118.2万元", False),
        (1181680, "1,181,680.00元", True),
        (1234, "0.1234万元", True),
        (1234, "0.12万元", False),
        (12345, "1.2345万元", True),
        (12345, "1.235万元", False),  # 5元 off, over 0.01% (1.2345元)
        (0, "0元", True),
        (0, "0.00万元", True),
        (0, "为0", True),
        (0, "没有安排", False),
        (0, "0%", False),
        (0, "0台", False),
        (2024, "2024年预算", False),
        (208, "208 05 01 行政单位离退休", False),
        (301, "301 02 津贴补贴", False),
        (-5000, "减少5,000元", True),
        (300000, "30万元", True),
    ],
)
def test_amount_forms(amount: int, text: str, passes: bool) -> None:
    reasons = score({"amounts": [amount]}, answer(text))
    assert reasons == ([] if passes else [f"amount {Decimal(amount):,}元 not shown"])


def test_all_amounts_needed_and_any_amounts_one() -> None:
    expect = {"amounts": [1792000, 63000]}
    assert score(expect, answer("商品和服务支出1,792,000元")) == ["amount 63,000元 not shown"]
    assert score({"any_amounts": [1792000, 63000]}, answer("资本性支出6.3万元")) == []
    assert score({"any_amounts": [1792000, 63000]}, answer("合计185.5万元")) == [
        "none of the amounts 1,792,000元, 63,000元 shown"
    ]


# ------------------------------------------------------------------ percents, ratios, counts


@pytest.mark.parametrize(
    ("expected", "text", "passes"),
    [
        (63.666508763619134, "占63.67%", True),
        (63.666508763619134, "占63.7%", True),
        (63.666508763619134, "占63.667％", True),
        (63.666508763619134, "占64%", False),  # no decimals
        (63.666508763619134, "占63.6%", False),
        (63.666508763619134, "占63.66%", False),
        (63.666508763619134, "占63.67", False),  # not a percent
        (21.632653061224488, "占21.63%", True),
        (50, "占50%", True),
        (50, "占50.0%", True),
        (50, "占50.4%", False),
        (5.25, "占5.25%", True),
        (5.25, "占5.3%", True),  # half a unit of the last digit
        (5.25, "占5.2%", True),
        (5.25, "占5.1%", False),
    ],
)
def test_percents(expected: float, text: str, passes: bool) -> None:
    reasons = score({"percents": [expected]}, answer(text))
    assert reasons == ([] if passes else [f"percent {Decimal(str(expected))}% not shown"])


@pytest.mark.parametrize(
    ("expected", "text", "passes"),
    [
        (3.5, "是3.5倍", True),
        (3.5, "比值为3.50", True),
        (3.5, "是4倍", False),
        (3.5, "是3.5%", False),
        (4.33125, "是4.33倍", True),
        (4.33125, "是4.3倍", True),
        (4.33125, "是4倍", False),
        (2, "是2倍", True),
    ],
)
def test_ratios(expected: float, text: str, passes: bool) -> None:
    reasons = score({"ratios": [expected]}, answer(text))
    assert reasons == ([] if passes else [f"ratio {Decimal(str(expected))} not shown"])


@pytest.mark.parametrize(
    ("expected", "text", "passes"),
    [
        (0, "单价100万元以上的设备0台（套）", True),
        (0, "共0个", True),
        (0, "单价100万元以上的设备没有", False),
        (0, "0.0台", False),
        (3, "共3项", True),
        (3, "共有3", True),
        (3, "共13项", False),
        (3, "占3%", False),
        (12, "2012年", False),
    ],
)
def test_counts(expected: int, text: str, passes: bool) -> None:
    reasons = score({"counts": [expected]}, answer(text))
    assert reasons == ([] if passes else [f"count {expected} not shown"])


# ------------------------------------------------------------------ text expectations


@pytest.mark.parametrize(
    ("expect", "text", "reasons"),
    [
        ({"names": ["因公出国(境)费"]}, "因公出国（境）费为0元", []),
        ({"names": ["因公出国（境）费"]}, "因公出国(境)费为0元", []),
        (
            {"names": ["商品和服务支出", "资本性支出"]},
            "商品和服务支出1,792,000元",
            ["missing name '资本性支出'"],
        ),
        ({"keywords": ["持平"]}, "与上年持平", []),
        ({"keywords": ["持平"]}, "比上年增加", ["missing keyword '持平'"]),
        ({"any_keywords": ["监测分析", "运行分析"]}, "负责民营经济运行分析", []),
        (
            {"any_keywords": ["监测分析", "运行分析"]},
            "负责企业服务",
            ["none of the keywords ['监测分析', '运行分析'] present"],
        ),
        ({"forbid": ["999元"]}, "办公费为300,000元", []),
        ({"forbid": ["999元"]}, "办公费为300,000元，不是999元", ["forbidden text '999元' present"]),
    ],
)
def test_text_expectations(expect: dict, text: str, reasons: list[str]) -> None:
    assert score(expect, answer(text)) == reasons


@pytest.mark.parametrize(
    ("cite", "citations", "reasons"),
    [
        (["经济分类预算表"], [TABLE_CITATION], []),
        (["财务收支预算总表", "办公费"], [TABLE_CITATION], []),  # row matches
        (["公用经费"], [TABLE_CITATION], []),  # column matches
        (["名词解释"], [TEXT_CITATION], []),
        (["参照公务员法管理"], [TEXT_CITATION], []),  # quote matches
        (["行政单位(包括"], [TEXT_CITATION], []),  # parentheses normalised
        (["财务收支预算总表"], [TABLE_CITATION, TEXT_CITATION], ["no citation from ['财务收支预算总表']"]),
        (["经济分类预算表"], [], ["no citation"]),
    ],
)
def test_cite(cite: list[str], citations: list[dict], reasons: list[str]) -> None:
    assert score({"cite": cite}, answer("办公费300,000元", citations=citations)) == reasons


@pytest.mark.parametrize(
    ("expect", "route", "citations", "reasons"),
    [
        ({"refuse": True}, "refuse", [], []),
        ({"refuse": True}, "table", [TABLE_CITATION], ["expected a refusal, got route 'table'"]),
        ({"refuse": True}, "", [TABLE_CITATION], ["expected a refusal, got route '(none)'"]),
        (
            {"amounts": [300000]},
            "refuse",
            [],
            ["refused an answerable question", "amount 300,000元 not shown"],
        ),
        (
            {"refuse": False, "keywords": ["办公费"]},
            "clarify",
            [],
            ["refused an answerable question", "missing keyword '办公费'"],
        ),
        ({"forbid": ["850,000"]}, "refuse", [], []),  # only forbids: a short reply is fine (好的谢谢)
        ({"refuse": True}, "clarify", [], []),
        ({}, "text", [], ["no citation"]),
        ({}, "hybrid", [TEXT_CITATION], []),
        (
            {"cite": ["经济分类预算表"], "amounts": [300000]},
            "refuse",
            [],
            [
                "refused an answerable question",
                "amount 300,000元 not shown",
                "no citation from ['经济分类预算表']",
            ],
        ),
    ],
)
def test_refusal_and_citation(expect: dict, route: str, citations: list, reasons: list[str]) -> None:
    assert score(expect, answer("抱歉，资料中没有这一信息。", route=route, citations=citations)) == reasons


# ------------------------------------------------------------------ not a dump


def amounts_text(n: int) -> str:
    return "；".join(f"第{i}项{1000 + i:,}元" for i in range(1, n + 1))


@pytest.mark.parametrize(
    ("text", "category", "reasons"),
    [
        (amounts_text(12), "lookup", []),
        (amounts_text(13), "lookup", ["too many figures: 13 distinct > 12"]),
        (amounts_text(13), "breakdown", []),
        (amounts_text(24), "rank", []),
        (amounts_text(25), "rank", ["too many figures: 25 distinct > 24"]),
        ("2024年 208 05 01 301 02 " + amounts_text(12), "lookup", []),  # years and codes do not count
        ("\n".join(f"{i}. 办公费：{i % 3}元" for i in range(1, 20)), "lookup", []),  # ordinals do not count
        ("说明" * 1501, "lookup", ["answer too long: 3002 characters > 3000"]),
        ("说明" * 1500, "lookup", []),
    ],
)
def test_not_a_dump(text: str, category: str, reasons: list[str]) -> None:
    assert score({}, answer(text), category) == reasons


def test_reasons_accumulate() -> None:
    expect = {"amounts": [300000], "forbid": ["999元"], "cite": ["财务收支预算总表"]}
    assert score(expect, answer("办公费是999元")) == [
        "amount 300,000元 not shown",
        "forbidden text '999元' present",
        "no citation from ['财务收支预算总表']",
    ]


@pytest.mark.parametrize(
    ("expect", "problems"),
    [
        ({"amounts": [1, "2,000", 3.5], "cite": ["表"], "refuse": False}, []),
        ({"amount": [1]}, ["unknown expect key 'amount'"]),
        ({"amounts": 5}, ["expect.amounts must be a list"]),
        (
            {"percents": ["abc", True]},
            ["expect.percents: not a number: 'abc'", "expect.percents: not a number: True"],
        ),
        ({"names": ["", 3]}, ["expect.names must be a list of non-empty strings"]),
        ({"refuse": "yes"}, ["expect.refuse must be true or false"]),
        ([], ["expect must be an object"]),
    ],
)
def test_validate_expect(expect: object, problems: list[str]) -> None:
    assert validate_expect(expect) == problems


# ------------------------------------------------------------------ properties

YUAN_AMOUNTS = st.decimals(min_value=5000, max_value=10**12, places=2, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(amount=YUAN_AMOUNTS, places=st.integers(min_value=4, max_value=8))
def test_amount_in_yuan_or_wan_with_four_decimals_passes(amount: Decimal, places: int) -> None:
    # From 5,000元 up, four decimals of 万元 (1元) are finer than 0.01% of the amount.
    wan = (amount / 10000).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    for text in (f"合计{amount:,.2f}元。", f"合计{wan:f}万元。", f"合计{wan:,f}万元。"):
        assert score({"amounts": [str(amount)]}, answer(text)) == [], text


@settings(max_examples=300, deadline=None)
@given(
    amount=YUAN_AMOUNTS,
    delta=st.decimals(min_value=Decimal("0.01"), max_value=10**6, places=2).flatmap(
        lambda d: st.sampled_from([d, -d])
    ),
)
def test_a_different_amount_fails(amount: Decimal, delta: Decimal) -> None:
    other = amount + delta
    assume(other > 0)
    for text in (f"合计{other:,.2f}元。", f"合计{other / 10000:.6f}万元。"):
        assert score({"amounts": [str(amount)]}, answer(text)) == [f"amount {amount:,}元 not shown"], text


@settings(max_examples=300, deadline=None)
@given(
    percent=st.decimals(min_value=0, max_value=1000, places=8).filter(lambda p: p != p.to_integral_value()),
    places=st.integers(min_value=1, max_value=4),
)
def test_percent_rounded_passes_and_one_unit_off_fails(percent: Decimal, places: int) -> None:
    shown = percent.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    assert score({"percents": [str(percent)]}, answer(f"占{shown}%")) == []
    off = shown + Decimal(1).scaleb(-places)
    assert score({"percents": [str(percent)]}, answer(f"占{off}%")) == [f"percent {percent}% not shown"]
