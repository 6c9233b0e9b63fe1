"""Table lines the PDF wrapped, put back together: figures around a label, names around their figures, and a
text column after the figures (lines as the Fujian and Guangdong disclosures print them)."""

from __future__ import annotations

import pytest

from assistant.wrapped import join_wrapped_figures, join_wrapped_names, without_other_text

OTHER = r"[，。；：,;]|^\d+[.．、]|^\S{20,}$"


def _is_name(line: str) -> bool:
    return line not in ("合计", "单位名称 合计")


@pytest.mark.parametrize(
    ("lines", "joined"),
    [
        (
            ["24995.9", "本年收入合计 24995.94 本年支出合计", "4", "上年结转结余 0.00 结转下年支出 0.00"],
            ["", "本年收入合计 24995.94 本年支出合计 24995.94", "", "上年结转结余 0.00 结转下年支出 0.00"],
        ),
        (  # a label line that already ends in a figure is not the one the fragments wrap around
            ["12.3", "收入合计 12.34", "4"],
            ["12.3", "收入合计 12.34", "4"],
        ),
        (  # a page number under a line is no fragment: the head is not a broken decimal
            ["二十六、债务发行费用支出", "收入合计 10.00 支出合计", "8"],
            ["二十六、债务发行费用支出", "收入合计 10.00 支出合计", "8"],
        ),
    ],
)
def test_a_figure_wrapped_around_its_label_is_joined(lines, joined):
    assert join_wrapped_figures(lines, list(range(len(lines)))) == joined


@pytest.mark.parametrize(
    ("lines", "rows"),
    [
        (  # 福州 收入预算总表: three-line and two-line names centred on their figures
            [
                "合计 351904.90 351904.90 0.00",
                "福州市医疗",
                "保障基金中 345205.84 345205.84",
                "心",
                "福州市医疗",
                "3714.26 3714.26",
                "保障局",
            ],
            [
                "合计 351904.90 351904.90 0.00",
                "福州市医疗保障基金中心 345205.84 345205.84",
                "福州市医疗保障局 3714.26 3714.26",
            ],
        ),
        (  # 广州 项目表: name lines interleaved with the 绩效目标 column's (already taken out), paired by distance
            [
                "广州市人民政府办公厅",
                "",
                "2025-2026年度信息化整体运 138.05 138.05",
                "",
                "维服务项目",
                "信访宣传经费 5.00 5.00",
            ],
            [
                "广州市人民政府办公厅2025-2026年度信息化整体运维服务项目 138.05 138.05",
                "信访宣传经费 5.00 5.00",
            ],
        ),
        (  # a stray line far above a row with its own name, and nothing as far below it, stays out of the name
            ["稳定运行", "", "", "", "信访宣传经费 5.00 5.00", "", "", "", "", "", "物业管理费 99.00"],
            ["稳定运行", "信访宣传经费 5.00 5.00", "物业管理费 99.00"],
        ),
    ],
)
def test_names_wrapped_around_their_figures_are_joined(lines, rows):
    data = [i for i, line in enumerate(lines) if line]
    out, kept = join_wrapped_names(lines, data, _is_name)
    assert [out[i] for i in kept] == rows


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        ("145.00 145.00 0.00转，为信访群众以及工作人员提供安全", "145.00 145.00 0.00"),
        ("64.00 64.00 0.00（白皮书）；编制《关于广州市2025年国民经济", "64.00 64.00 0.00"),
        ("市级重要商品储备财政 食糖、化肥、农药、食盐、医药等重要商品的储备，确", "市级重要商品储备财政"),
        ("经费 2.梳理历年轨道交通投资建设情况，提出进一步优化投", "经费"),
        ("1. 完善系统运维的手段，保障广州市政府办公厅信息", None),
        ("通过出口信用保险等支持措施有效降低全市外贸企业经", None),
        ("口岸日常水电耗材、清", "口岸日常水电耗材、清"),
        (
            "机构运行辅助经费 28.00 28.00 0.00 根据相关文件，用于解决我局后勤服务人员不足问题。",
            "机构运行辅助经费 28.00 28.00 0.00",
        ),
    ],
)
def test_the_text_column_after_the_figures_is_left_out(line, kept):
    out, data = without_other_text([line], [0], OTHER)
    assert (out[0] if data else None) == kept
