"""The column solver: never a wrong column, every unplaced figure reported."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.align import Problem, row_candidates, solve

D = Decimal
# 合计 | 基本支出 | 项目支出, 合计 = 基本 + 项目
ROW_ID = [(0, (1, 2))]


@pytest.mark.parametrize(
    ("numbers", "expected"),
    [
        ((D(10), D(4), D(6)), [(0, 1, 2)]),
        ((D(10), D(10)), [(0, 1), (0, 2)]),
        ((D(10),), []),
        ((D(0), D(0)), [(0, 1), (0, 2), (1, 2)]),
        ((D(1), D(2), D(3), D(4)), []),
    ],
)
def test_row_candidates(numbers, expected):
    assert row_candidates(numbers, 3, ROW_ID) == expected


def test_sums_decide_an_ambiguous_child():
    # parent 10 = 4 基本 + 6 项目; the children 4,4 and 6,6 can only go one way
    problem = Problem([(D(10), D(4), D(6)), (D(4), D(4)), (D(6), D(6))], 3, ROW_ID, [(0, (1, 2))], {})
    solution = solve(problem)
    assert solution.columns == [[0, 1, 2], [0, 1], [0, 2]]
    assert solution.consistent


def test_genuine_ambiguity_is_reported_not_guessed():
    problem = Problem([(D(5), D(5))], 3, ROW_ID, [], {})
    assert solve(problem).columns == [[0, None]]


def test_a_sum_the_source_breaks_is_set_aside_and_reported():
    # parent says 11 but its children add to 10; the row identities still place what they force
    problem = Problem([(D(11), D(11)), (D(4), D(4)), (D(6), D(6))], 3, ROW_ID, [(0, (1, 2))], {(0, 1): D(11)})
    solution = solve(problem)
    assert (0, (1, 2)) in solution.failed
    assert not solution.consistent
    assert solution.columns[0] == [0, 1]


def test_a_row_printing_every_cell_keeps_its_order_even_against_its_identity():
    # 458.00 | 0.00 | 16.56 under 合计 | 基本支出 | 项目支出 breaks 合计 = 基本 + 项目 but fills every column
    solution = solve(Problem([(D("458.00"), D("0.00"), D("16.56")), (D(6), D(6))], 3, ROW_ID, [], {}))
    assert solution.columns == [[0, 1, 2], [0, None]]
    assert not solution.consistent
    short = solve(Problem([(D(458), D(0))], 3, ROW_ID, [], {}))  # a cell missing: its order tells nothing
    assert short.columns == [[None, None]]


@pytest.mark.parametrize(
    ("rates", "failed"),
    [
        (frozenset({2}), []),  # the rate column is not summed from the rows below
        (frozenset(), [(0, (1, 2))]),  # summed, the parent's 5% is not 10% + 2%: the sum is set aside
    ],
)
def test_a_rate_column_is_not_summed_from_the_rows_below(rates, failed):
    # 本年 | 上年 | 增减(%): the parent row is the sum of its rows in the money columns only
    rows = [(D(21), D(20), D(5)), (D(11), D(10), D(10)), (D(10), D(10), D(2))]
    solution = solve(Problem(rows, 3, [], [(0, (1, 2))], {}, rates=rates))
    assert solution.failed == failed
    assert solution.columns == [[0, 1, 2]] * 3


def test_interval_propagation_places_many_children():
    # 20 children under a parent whose 人员 column is empty: too many subsets to list, bounds decide
    children = [(D(100 + i), D(100 + i)) for i in range(20)]
    total = sum(c[0] for c in children)
    problem = Problem([(total, total)] + children, 3, ROW_ID, [(0, tuple(range(1, 21)))], {(0, 1): D(0)})
    solution = solve(problem)
    assert all(cols == [0, 2] for cols in solution.columns)


CENT = D("0.01")


@pytest.mark.parametrize(
    ("numbers", "rounding", "expected"),
    [
        # 5,876.67 printed for 5,753.07 + 123.61 = 5,876.68 (each figure rounded from 元)
        ((D("5876.67"), D("5753.07"), D("123.61")), D(0), []),
        ((D("5876.67"), D("5753.07"), D("123.61")), CENT, [(0, 1, 2)]),
        # a difference beyond half a cent a figure is not rounding
        ((D("5876.70"), D("5753.07"), D("123.61")), CENT, []),
    ],
)
def test_rounded_figures_meet_their_identity_within_half_a_cent_each(numbers, rounding, expected):
    assert row_candidates(numbers, 3, ROW_ID, rounding) == expected


def test_a_sum_off_by_rounding_still_decides_when_the_figures_are_rounded():
    # the parent's 基本 4.01 is its children's 4.00 rounded apart; the children 4,4 and 6,6 then go one way
    numbers = [(D("10.01"), D("4.01"), D("6.00")), (D("4.00"), D("4.00")), (D("6.00"), D("6.00"))]
    exact = solve(Problem(numbers, 3, ROW_ID, [(0, (1, 2))], {}))
    assert exact.columns[1:] == [[0, None], [0, None]] and (0, (1, 2)) in exact.failed
    rounded = solve(Problem(numbers, 3, ROW_ID, [(0, (1, 2))], {}, rounding=CENT))
    assert rounded.columns == [[0, 1, 2], [0, 1], [0, 2]] and rounded.failed == []


@st.composite
def tables(draw):
    """A random 类/款/项 hierarchy satisfying 合计 = 基本 + 项目 and parent = Σ children, with zeros."""
    amount = st.one_of(st.just(0), st.integers(1, 5000).map(lambda x: x * 100))
    leaves_per_kuan = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    truth: list[list[int]] = []
    sums: list[tuple[int, tuple[int, ...]]] = []
    lei = 1  # row 0 is the 合计 row, row 1 the 类
    truth.append([0, 0, 0])
    truth.append([0, 0, 0])
    kuans = []
    for count in leaves_per_kuan:
        k = len(truth)
        truth.append([0, 0, 0])
        kuans.append(k)
        leaves = []
        for _ in range(count):
            basic, project = draw(amount), draw(amount)
            truth.append([basic + project, basic, project])
            leaves.append(len(truth) - 1)
        truth[k] = [sum(truth[x][c] for x in leaves) for c in range(3)]
        sums.append((k, tuple(leaves)))
    truth[lei] = [sum(truth[k][c] for k in kuans) for c in range(3)]
    truth[0] = list(truth[lei])
    sums.append((lei, tuple(kuans)))
    sums.append((0, (lei,)))
    return truth, sums


@settings(max_examples=200, deadline=None)
@given(tables())
def test_solver_never_misplaces_and_reports_the_rest(case):
    truth, sums = case
    # flatten as the PDFs do: empty (zero) cells dropped, the rest in column order
    numbers = [tuple(D(v) for v in row if v) for row in truth]
    columns_true = [[c for c, v in enumerate(row) if v] for row in truth]
    solution = solve(Problem(numbers, 3, ROW_ID, sums, {}))
    assert solution.consistent
    for r, cols in enumerate(solution.columns):
        assert len(cols) == len(numbers[r])
        for placed, true in zip(cols, columns_true[r], strict=True):
            assert placed is None or placed == true


# 合计 | 基本支出 | 人员经费 | 公用经费 | 项目支出: 合计 = 基本 + 项目, 基本 = 人员 + 公用
WIDE_ID = [(0, (1, 4)), (1, (2, 3))]


@pytest.mark.parametrize(
    ("numbers", "rounded", "expected"),
    [
        # 2,506.26 + 484.47 printed under 2,990.74: off by a cent, still only one way to read it
        ((D("2990.74"), D("2990.74"), D("2506.26"), D("484.47")), True, [[0, 1, 2, 3]]),
        ((D("2990.74"), D("2990.74"), D("2506.26"), D("484.47")), False, [[None, None, None, None]]),
        # off by far more than the rounding: left open
        ((D("2990.74"), D("2990.74"), D("2000.00"), D("484.47")), True, [[None, None, None, None]]),
        # a row filling every column is read in order whatever its sums say
        ((D("15958.96"), D("6420.41"), D("1.00"), D("2.00"), D("9538.54")), True, [[0, 1, 2, 3, 4]]),
    ],
)
def test_a_rounded_row_off_by_a_cent_is_placed_only_when_the_family_prints_rounded(
    numbers, rounded, expected
):
    solution = solve(Problem([numbers], 5, WIDE_ID, [], {}, rounded=rounded))
    assert solution.columns == expected


def test_a_sum_off_by_a_cent_still_places_the_children_when_rounded():
    # 15,146.48 + 1,595.94 = 16,742.42 printed as 16,742.41; the empty 项目 column of the total decides
    rows = [(D("16742.41"), D("16742.41")), (D("15146.48"), D("15146.48")), (D("1595.94"), D("1595.94"))]
    anchors = {(0, 1): D("16742.41")}
    exact = solve(Problem(rows, 3, ROW_ID, [(0, (1, 2))], anchors))
    rounded = solve(Problem(rows, 3, ROW_ID, [(0, (1, 2))], anchors, rounded=True))
    assert exact.columns == [[0, 1], [0, None], [0, None]] and (0, (1, 2)) in exact.failed
    assert rounded.columns == [[0, 1], [0, 1], [0, 1]] and not rounded.failed


@given(
    st.lists(st.sampled_from([D(0), D(1), D(2), D(3), D(5)]), max_size=7),
    st.integers(min_value=1, max_value=7),
    st.lists(st.lists(st.integers(min_value=0, max_value=6), min_size=1, max_size=3), max_size=3),
)
@settings(max_examples=300, deadline=None)
def test_row_candidates_are_every_ordered_placement_that_holds(numbers, ncols, raw):
    from itertools import combinations

    from assistant.align import vector

    identities = [(ids[0] % ncols, tuple(i % ncols for i in ids[1:])) for ids in raw]
    expected = (
        [
            pl
            for pl in combinations(range(ncols), len(numbers))
            if all(
                vector(tuple(numbers), pl, ncols)[t]
                == sum((vector(tuple(numbers), pl, ncols)[p] for p in ps), D(0))
                for t, ps in identities
            )
        ]
        if len(numbers) <= ncols
        else []
    )
    assert row_candidates(tuple(numbers), ncols, identities) == expected


def test_a_wide_row_of_three_blocks_is_placed_quickly_by_its_identities():
    # 上年 | 当年 | 增减, each 总计 = 合计 + 培训; 当年 = 上年 + 增减 column by column (27 columns in Xi'an)
    ids = [(0, (1, 2)), (3, (4, 5)), (6, (7, 8)), (3, (0, 6)), (4, (1, 7)), (5, (2, 8))]
    assert row_candidates((D(30), D(10), D(20), D(25), D(10), D(15), D(-5), D(-5)), 9, ids) == [
        (0, 1, 2, 3, 4, 5, 6, 8)
    ]


def test_partial_sums_place_by_the_columns_where_the_total_still_holds():
    # the units' 合计 leave out 上年结转 (column 2) that the total row counts: the 合计 column fails, the others
    # still say where each unit's figures go; a unit row breaking its own identity is placed by them too
    # (without `partial` that row, printing every cell, keeps its printed order but is kept out of the sums)
    ids = [(0, (1, 2))]
    rows = [(D(11), D(10), D(1)), (D(6), D(6)), (D(4), D(4), D(1))]
    strict = solve(Problem(rows, 3, ids, [(0, (1, 2))], {}))
    partial = solve(Problem(rows, 3, ids, [(0, (1, 2))], {}, partial=True))
    assert strict.columns[1:] == [[0, None], [0, 1, 2]]
    assert partial.columns[1:] == [[0, 1], [0, 1, 2]]
    assert (0, (1, 2)) in partial.failed
