"""The PDF reader: ruled rows → figure groups and header labels (pure), placements the ruling lines decide,
and the reader's refusals of files that are not readable budget PDFs."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.errors import InputError
from assistant.pdf import assemble, column_labels, figure_groups, grid_rows, label_columns
from assistant.records import GridRow, Row, Table
from assistant.tables import ruled_placements
from tests.conftest import SEED, SHANGHAI

D = Decimal
SMALL_PDF = SHANGHAI / "sh_yuwainongchangguanliban_2026.pdf"

# rows as pdfplumber extracts them: '' an empty cell, None a cell covered by a merged one
CODED = [
    ["项目", None, None, None, None, None, None, None, None],
    [
        "功能分类科目编码",
        None,
        None,
        "功能分类科目名称",
        "合计",
        "财政拨款收入",
        "事业收入",
        "事业单位\n经营收入",
        "",
    ],
    ["类", "款", "项", None, None, None, None, None, ""],
    ["208", "", "", "社会保障和就业支出", "801,000", "801,000", "", "", ""],
    ["208", "08", "01", "死亡抚恤", "801,000", "", "801,000", "", ""],
    ["合计", None, None, None, "1,602,000", "801,000", "801,000", "", ""],
]
SIDES = [
    ["财政拨款收入", None, "财政拨款支出", None, None, None],
    ["项目", "预算数", "项目", "合计", "一般公共预算", "政府性基金预算"],
    ["一、一般公共预算", "195,774,300", "一、一般公共服务支出", "134,339,860", "134,339,860", ""],
    ["二、政府性基金预算", "", "二、社会保障和就业支出", "23,992,440", "23,992,440", ""],
]
FIGURES_ONLY = [
    ["合计", "因公出国(境)费", "公务接待费"],
    ["12.5", "", "12.5"],
]
CONTINUED = [
    ["210", "11", "01", "行政单位医疗", "6,100,000", "6,100,000", ""],
    ["合计", None, None, None, "6,100,000", "6,100,000", ""],
]


@pytest.mark.parametrize(
    ("rows", "first_data", "labels", "groups"),
    [
        (
            CODED,
            3,
            [3],
            [[4, 5, 6, 7]],
        ),  # codes are numbers; the blank ruled column at the right is no column
        (SIDES, 2, [0, 2], [[1], [3, 4, 5]]),
        (FIGURES_ONLY, 1, [], [[0, 1, 2]]),
        # a short continuation: 合计 outweighs the one code, so the codes form a group before the name's
        (CONTINUED, 0, [0, 3], [[1, 2], [4, 5]]),
    ],
)
def test_label_columns_and_figure_groups(rows, first_data, labels, groups):
    data = rows[first_data:]
    assert label_columns(data) == labels
    assert figure_groups(rows, data) == groups


def test_a_total_row_alone_is_read_past_its_merged_cells():
    # only the 合计 row: its label is merged across the code and name columns
    rows = [["合计", None, None, None, "5", "5", ""]]
    assert figure_groups(rows, rows) == [[4, 5]]


def test_column_labels_look_up_through_merged_header_cells():
    header = CODED[:3]
    assert column_labels(header, 9)[4:8] == ["合计", "财政拨款收入", "事业收入", "事业单位经营收入"]


def test_grid_rows_keep_empty_cells_as_none_and_carry_labels():
    rows, labels = grid_rows(CODED)
    assert rows[:3] == [None, None, None]
    assert rows[4] == GridRow(
        ((D("801000"), None, D("801000"), None),), (("合计", "财政拨款收入", "事业收入", "事业单位经营收入"),)
    )
    continued, carried = grid_rows(CONTINUED, labels[:7])
    assert carried == labels[:7]
    # the carried 事业收入 column is empty on this page but stays a column of the table
    assert continued[0].labels[-1] == ("合计", "财政拨款收入", "事业收入")
    assert continued[1].groups[-1] == (D("6100000"), D("6100000"), None)


def test_assemble_gives_each_line_its_page_and_ruled_row():
    from assistant.pdf import PageText

    ruled, wrapped = GridRow(((D("5"), None),)), GridRow(((D("7"), None),), indent=10.0)
    pages = [
        PageText(
            1,
            ["标题", "208 抚恤 5", "机关事业单位基本养老", "7", "保险缴费支出"],
            [10.0, 50.0, 65.0, 70.0, 75.0],
            [(40.0, 60.0, ruled), (60.0, 80.0, wrapped)],
        ),
        PageText(2, ["续表"], [10.0], [], ocr=True),
    ]
    source = assemble(pages)
    assert source.lines == ["标题", "208 抚恤 5", "机关事业单位基本养老", "7", "保险缴费支出", "续表"]
    assert source.pages == [1, 1, 1, 1, 1, 2]
    # every line of one ruled row knows the row's first line
    assert source.grid == {1: replace(ruled, first=1), **dict.fromkeys((2, 3, 4), replace(wrapped, first=2))}
    assert source.ocr_pages == [2]
    assert [source.page(n) for n in (1, 6, 7)] == [1, 2, 0]


def _char(text: str, x0: float, top: float) -> dict:
    return {"text": text, "x0": x0, "top": top, "bottom": top + 10}


@pytest.mark.parametrize(
    ("chars", "indent"),
    [
        ([_char("行", 45.0, 100), _char("政", 55.0, 100)], 20.0),
        # leading ideographic spaces are not text; a wrapped name's second line starts flush left
        ([_char("\u3000", 25.0, 100), _char("机", 45.0, 100), _char("费", 25.0, 112)], 20.0),
        # characters of the next cell or row do not count
        ([_char("合", 30.0, 100), _char("5", 130.0, 100), _char("下", 26.0, 140)], 5.0),
        ([], 0.0),
    ],
)
def test_the_label_indent_is_where_the_first_line_of_the_first_cell_starts(chars, indent):
    from assistant.pdf import label_indent

    assert label_indent(chars, [None, (25.0, 95.0, 120.0, 125.0), (120.0, 95.0, 200.0, 125.0)]) == indent


def _table(columns: list[str], numbers: tuple[Decimal, ...]) -> Table:
    return Table("k", "t", "t", "元", columns, [Row("208", "抚恤", 1, 5, "", numbers)])


def test_ruled_placement_by_order_and_by_header_words():
    columns = ["合计", "财政拨款收入", "事业收入", "事业单位经营收入", "其他收入"]
    same_count = GridRow(((D("5"), None, None, None, D("5")),))
    assert ruled_placements(_table(columns, (D("5"), D("5"))), {4: same_count}) == {0: (0, 4)}
    # printed without the 其他收入 column: the header words decide
    fewer = GridRow(
        ((D("5"), None, D("5"), None),), (("合计", "财政拨款收入", "事业收入", "事业单位经营收入"),)
    )
    assert ruled_placements(_table(columns, (D("5"), D("5"))), {4: fewer}) == {0: (0, 2)}
    # neither the count nor the words decide: left to the identities
    unknown = GridRow(((D("5"), None, D("5"), None),), (("", "", "", ""),))
    assert ruled_placements(_table(columns, (D("5"), D("5"))), {4: unknown}) == {}
    # a ruled row with other figures than the line prints is not this row
    other = GridRow(((D("6"), None, None, None, D("6")),))
    assert ruled_placements(_table(columns, (D("5"), D("5"))), {4: other}) == {}


@given(st.lists(st.one_of(st.none(), st.integers(0, 10**9)), min_size=1, max_size=7))
def test_ruled_placement_puts_every_printed_figure_in_its_ruled_column(cells):
    values = tuple(None if v is None else D(v) for v in cells)
    columns = [f"c{n}" for n in range(len(values))]
    numbers = tuple(v for v in values if v is not None)
    placed = ruled_placements(_table(columns, numbers), {4: GridRow((values,))})
    if not numbers:
        assert placed == {}
    else:
        assert [values[c] for c in placed[0]] == list(numbers)


# ---- refusals: one line, the index left as it was -----------------------------------------------------------


def _encrypted(path, source):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(source).pages:
        writer.add_page(page)
    writer.encrypt("secret")
    writer.write(path)


def _no_pages(path, _):
    from pypdf import PdfWriter

    PdfWriter().write(path)


def _truncated(path, source):
    data = source.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def _huge(path, _):
    with path.open("wb") as handle:
        handle.write(b"%PDF-1.7\n")
        handle.truncate(200 * 1024 * 1024)


def _scan_of_something_else(path, _):
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (1700, 2200), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=48)
    for n, line in enumerate(["Minutes of the garden club", "Roses: prune in March", "Next meeting: Friday"]):
        draw.text((150, 200 + 120 * n), line, fill="black", font=font)
    image.save(path, "PDF", resolution=200)


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (_encrypted, "encrypted"),
        (_no_pages, "no pages"),
        (_truncated, "cannot be read"),
        (_huge, "too large"),
        (_scan_of_something_else, "no budget table"),
    ],
)
def test_bad_pdfs_give_one_line_and_leave_the_index_as_it_was(tmp_path, make, words):
    from assistant.documents import read_document
    from assistant.errors import BudgetQAError
    from assistant.index import build_index, current_build

    if not SMALL_PDF.exists():
        pytest.skip("shared Shanghai corpus not present")
    bad = tmp_path / "bad.pdf"
    make(bad, SMALL_PDF)
    seed_path = SEED
    with pytest.raises(BudgetQAError) as err:
        read_document(bad)
    assert words in str(err.value) and "\n" not in str(err.value)
    index = tmp_path / "index"
    build_index([seed_path], index, with_vectors=False)
    live = current_build(index)
    with pytest.raises(BudgetQAError):
        build_index([seed_path, bad], index, with_vectors=False)
    assert current_build(index) == live
    assert sorted(p.name for p in index.glob("build-*")) == [live.name]


def test_a_text_file_is_not_read_as_a_pdf(tmp_path):
    fake = tmp_path / "fake.pdf"
    fake.write_text("预算单位：某单位\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a PDF"):
        from assistant.pdf import read_pdf

        read_pdf(fake)


def _one_per_family() -> list[str]:
    manifest = SHANGHAI.parent / "pdf" / "MANIFEST.tsv"
    if not manifest.exists():
        return []
    head, *lines = manifest.read_text(encoding="utf-8").splitlines()
    family = head.split("\t").index("family")
    firsts: dict[str, str] = {}
    for row in (line.split("\t") for line in lines if line):
        firsts.setdefault(row[family], row[0])
    return sorted(firsts.values())


@pytest.mark.parametrize("name", _one_per_family())
def test_other_provinces_pdfs_parse_or_are_refused_in_one_line(name):
    """Layouts of other provinces are the layouts issue's; the reader must only never crash on them."""
    from assistant.documents import read_document
    from assistant.errors import BudgetQAError

    try:
        doc = read_document(SHANGHAI.parent / "pdf" / name)
    except BudgetQAError as err:
        assert "\n" not in str(err) and name.removesuffix(".pdf") in str(err)
    else:
        assert doc.pages and (doc.tables or doc.sections)  # a 情况说明 published apart has no tables


ROTATED_PDF = SHANGHAI.parent / "pdf" / "yantai_caizhengju_2026.pdf"


@pytest.mark.skipif(not ROTATED_PDF.exists(), reason="the shared corpus is not present")
def test_a_page_printed_turned_90_degrees_is_read_upright_with_its_ruled_rows():
    """Yantai prints its wide tables on pages whose /Rotate is 90: the lines and the ruling lines are read
    in the page's displayed orientation (pdfplumber turns the characters and the edges by the page's
    rotation), so the table reads as on screen."""
    import pdfplumber

    from assistant.pdf import read_page

    with pdfplumber.open(ROTATED_PDF) as pdf:
        page = pdf.pages[10]
        assert page.rotation == 90 and page.width > page.height
        read = read_page(page)
    assert read.lines[:3] == ["公开表2", "收入总体情况表", "部门（单位）：烟台市财政局 单位：万元"]
    assert read.lines[10] == "合 计 9,069.47 9,069.47 9,069.47"
    top, bottom, row = read.grid[0]
    assert top <= read.middles[10] <= bottom
    assert row.groups == ((D("9069.47"), D("9069.47"), D("9069.47")) + (None,) * 10,)


def test_a_continued_table_takes_the_labels_of_the_columns_whose_borders_it_shares():
    """A continuation page whose frame adds or drops an empty edge column: labels carried column by column."""
    from assistant.pdf import _page_grid

    class Box:
        def __init__(self, top: float, bottom: float) -> None:
            self.bbox = (0, top, 0, bottom)

    class Row(Box):
        def __init__(self, xs: list[float], top: float) -> None:
            super().__init__(top, top + 10)
            self.cells = [(a, top, b, top + 10) for a, b in zip(xs, xs[1:], strict=False)]

    class Ruled:
        def __init__(self, xs: list[float], rows: list[list[str | None]]) -> None:
            self.rows = [Row(xs, 10 * n) for n in range(len(rows))]
            self._rows = rows

        def extract(self) -> list[list[str | None]]:
            return self._rows

    class Page:
        def __init__(self, table: Ruled) -> None:
            self.table = table
            self.chars: list[dict] = []  # no text drawn: every first cell's indent is 0

        def find_tables(self) -> list[Ruled]:
            return [self.table]

    first = Ruled(
        [0, 5, 100, 150, 200, 250],
        [["", "科目", "合计", "基本支出", "项目支出"], ["", "行政运行", "4.00", "4.00", ""]],
    )
    second = Ruled([5, 100, 150, 200, 250, 255], [["一般行政管理事务", "2.00", "", "2.00", ""]])
    carry: dict = {}
    _page_grid(Page(first), carry)
    ((_, _, row),) = _page_grid(Page(second), carry)
    assert row.groups == ((D("2.00"), None, D("2.00")),)
    assert row.labels == (("合计", "基本支出", "项目支出"),)
