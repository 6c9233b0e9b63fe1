"""Hypothesis strategies and settings for fuzzing the assistant: questions, conversations, document arguments
and document bytes, and the contract every answer keeps.

The fuzz tests (marked `fuzz`) run a few hundred examples in `make test`, always the same ones
(derandomized, so the suite does not change from run to run). `make fuzz` sets HYPOTHESIS_PROFILE=fuzz and
runs only them, each with the `fuzz` profile's 10,000 random examples (a test whose single example is a
whole index build runs a share of that).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from assistant.records import Answer
from tests.conftest import ROOT, SEED

FUZZ_PROFILE = "fuzz"
FUZZ_EXAMPLES = 10_000
_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile(
    FUZZ_PROFILE, max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=_QUIET, print_blob=True
)
FUZZING = os.environ.get("HYPOTHESIS_PROFILE") == FUZZ_PROFILE


def fuzz_settings(regular: int, share: float = 1.0) -> settings:
    """`regular` fixed examples in the test suite; under `make fuzz`, `share` of the profile's random ones."""
    if FUZZING:
        profile = settings.get_profile(FUZZ_PROFILE)
        return settings(profile, max_examples=max(regular, int(profile.max_examples * share)))
    return settings(max_examples=regular, deadline=None, suppress_health_check=_QUIET, derandomize=True)


# ---------------------------------------------------------------- questions


def _words(text: str) -> list[str]:
    return text.split()


ITEMS = _words("""办公费 物业管理费 商品和服务支出 人员经费 公用经费 基本支出 项目支出 三公经费 “三公”经费 因公出国费
公务接待费 公务用车购置及运行费 机关运行经费 政府采购 财政拨款收入 支出预算总额 一般公共预算 工资福利支出
住房保障支出 中小企业发展专项 2150805 302 01 302 名词解释 主要职能 机构设置 审计局 上海市审计局 财政局 医保中心
中小企业发展协调办公室 万里街道 信访办 部门预算 单位预算 本级 决算 2023年 2024年 2025年 2026年 去年 上年 今年""")
OPERATIONS = _words("""是多少 多少钱 占 的比例 比例 百分之几 合计 加起来 相差 差多少 增长 增加了多少 几倍 排名 前三 第二 最多 最少
平均 每月 有几项 哪些 是什么 为什么 呢 那 和 与 比 还是 ？ ? 。 ！ ， , 、 万元 元 亿元 % 两家 各是多少""")
CHATTER = _words("""好的谢谢 asdfgh 忽略之前的指令 你是谁 hello what is the budget SELECT * FROM facts; <script>alert(1)</script>
{{7*7}} ${jndi:ldap://x} ../../etc/passwd NaN Infinity -0 1e309 0x1F 𝟘𝟙𝟚 ０１２３ 一千二百万 壹佰""")
QUOTE_PAIRS = [
    ("“", "”"),
    ("「", "」"),
    ("《", "》"),
    ('"', '"'),
    ("'", "'"),
    ("‘", "’"),
    ("『", "』"),
    ("（", "）"),
    ("(", ")"),
    ("【", "】"),
]
ODD = [chr(c) for c in range(32)] + [
    "\x7f",
    "\u200b",
    "\u200d",
    "\u202e",
    "\ufeff",
    "\u2028",
    "\ufffd",
    "\U0001f600",
]


def _quoted(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Quotes nested in quotes (“「《办公费》」”), balanced or not."""
    pairs = st.sampled_from(QUOTE_PAIRS)
    return st.recursive(
        inner,
        lambda s: st.tuples(pairs, s, st.booleans()).map(
            lambda t: t[0][0] + t[1] + (t[0][1] if t[2] else "")
        ),
        max_leaves=6,
    )


_word = st.one_of(
    st.sampled_from(ITEMS),
    st.sampled_from(OPERATIONS),
    st.sampled_from(CHATTER),
    st.sampled_from(ODD),
    st.integers(-(10**12), 10**12).map(str),
    st.decimals(allow_nan=True, allow_infinity=True, places=2).map(str),
    st.text(max_size=4),
)
budget_like = st.lists(st.one_of(_word, _quoted(st.sampled_from(ITEMS))), min_size=1, max_size=14).map(
    "".join
)
UNITS = _words("""中小企业发展协调办公室 上海市促进中小企业发展协调办公室 财政局 市财政局 上海市财政局 普陀区财政局 普陀区的财政局
建管委 普陀区建设和管理委员会 石泉路街道 石泉路街道办事处（本级） 文物保护研究中心 审计局 医保中心 浦东新区财政局 各单位 哪个单位""")


def _noisy(question: str, noise: list[tuple[int, str]]) -> str:
    for at, word in noise:
        question = question[:at] + word + question[at:]
    return question


_phrase = st.tuples(
    st.sampled_from(["", *UNITS]),
    st.sampled_from(["", "2024年", "2025年", "2026年", "2023年到2025年", "去年", "的"]),
    _quoted(st.sampled_from(ITEMS)),
    st.sampled_from(["", "和", "占", "比", "与", "减去", "中", "里的"]),
    st.sampled_from(["", *ITEMS, *UNITS]),
    st.sampled_from(OPERATIONS),
).map("".join)
phrased = st.one_of(  # shaped like questions people ask, with and without noise in them
    _phrase,
    st.tuples(_phrase, st.lists(st.tuples(st.integers(0, 40), _word), max_size=3)).map(lambda t: _noisy(*t)),
)

questions: st.SearchStrategy[Any] = st.one_of(
    phrased,
    budget_like,
    st.text(),  # any Unicode, control characters included
    st.text(alphabet=st.characters(codec="utf-8"), min_size=480, max_size=520),  # around the length limit
    st.tuples(budget_like, st.integers(2, 600)).map(lambda t: t[0] * t[1]),  # very long
    st.none() | st.integers() | st.binary(max_size=20) | st.lists(st.text(max_size=3), max_size=3),
)
histories = st.lists(st.one_of(phrased, phrased, budget_like, st.text(max_size=30)), max_size=20)


def documents(ids: list[str]) -> st.SearchStrategy[str | None]:
    """A document argument: none, an indexed one, or one that does not exist."""
    return st.one_of(
        st.none(), st.sampled_from(ids), st.text(max_size=40), st.sampled_from(ids).map(lambda i: i + "x")
    )


# ---------------------------------------------------------------- document bytes


@dataclass(frozen=True)
class Mutation:
    """A real document with a few edits, shown as the edits (a failing example stays readable). Positions
    are taken modulo the length of what is edited, so every edit applies to any bytes."""

    base: str  # the document's file name
    edits: tuple[tuple[str, tuple[Any, ...]], ...]

    def apply(self, data: bytes) -> bytes:
        for name, args in self.edits:
            data = EDITS[name](data, *args)
        return data


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def _cut(data: bytes, at: int) -> bytes:
    return data[: at % (len(data) + 1)]


def _drop(data: bytes, at: int, n: int) -> bytes:
    lines = _lines(data)
    a = at % len(lines)
    return b"\n".join(lines[:a] + lines[a + n :])


def _repeat(data: bytes, at: int, n: int) -> bytes:
    lines = _lines(data)
    a = at % len(lines)
    return b"\n".join(lines[: a + n] + lines[a : a + n] + lines[a + n :])


def _swap(data: bytes, i: int, j: int) -> bytes:
    lines = _lines(data)
    i, j = i % len(lines), j % len(lines)
    lines[i], lines[j] = lines[j], lines[i]
    return b"\n".join(lines)


def _overwrite(data: bytes, changes: tuple[tuple[int, int], ...]) -> bytes:
    out = bytearray(data)
    for at, byte in changes:
        if out:
            out[at % len(out)] = byte
    return bytes(out)


def _insert(data: bytes, at: int, text: str) -> bytes:
    lines = _lines(data)
    a = at % (len(lines) + 1)
    return b"\n".join(lines[:a] + [text.encode("utf-8", "surrogatepass")] + lines[a:])


def _figures(data: bytes, at: int, new: bytes) -> bytes:
    """Change the figures of one line (another number, a negative, a huge one, a blank)."""
    lines = _lines(data)
    a = at % len(lines)
    lines[a] = re.sub(rb"\d[\d,.]*", lambda _: new, lines[a])
    return b"\n".join(lines)


def _encoding(data: bytes, codec: str) -> bytes:
    return data.decode("utf-8", "replace").encode(codec, "replace")


EDITS = {
    "cut": _cut,
    "drop": _drop,
    "repeat": _repeat,
    "swap": _swap,
    "overwrite": _overwrite,
    "insert": _insert,
    "figures": _figures,
    "encoding": _encoding,
}
_at = st.integers(0, 10**6)
_edit = st.one_of(
    st.tuples(st.just("cut"), st.tuples(_at)),
    st.tuples(st.just("drop"), st.tuples(_at, st.integers(1, 40))),
    st.tuples(st.just("repeat"), st.tuples(_at, st.integers(1, 40))),
    st.tuples(st.just("swap"), st.tuples(_at, _at)),
    st.tuples(
        st.just("overwrite"),
        st.tuples(st.lists(st.tuples(_at, st.integers(0, 255)), min_size=1, max_size=16).map(tuple)),
    ),
    st.tuples(
        st.just("insert"), st.tuples(_at, st.one_of(st.text(max_size=80), budget_like, st.sampled_from(ODD)))
    ),
    st.tuples(
        st.just("figures"),
        st.tuples(
            _at, st.sampled_from([b"0", b"-1", b"99999999999999999999", b"", b"1.5", b"12,345.678", b"--"])
        ),
    ),
    st.tuples(st.just("encoding"), st.tuples(st.sampled_from(["gbk", "utf-16", "utf-8-sig", "latin-1"]))),
)


TEXTS = {p.name: p.read_bytes() for p in [SEED, *sorted((ROOT / "corpus" / "shanghai").glob("*.txt"))]}


def mutations(bases: list[str]) -> st.SearchStrategy[Mutation]:
    """One to four edits of one of the named documents."""
    return st.builds(Mutation, st.sampled_from(bases), st.lists(_edit, min_size=1, max_size=4).map(tuple))


# ---------------------------------------------------------------- the contract


ANSWERED = ("table", "text", "hybrid")


def check_answer(answer: Any, known: set[str]) -> None:
    """Every answer is cited (table, text, hybrid: citations of indexed documents) or a refusal or a
    clarifying question without figures; its contract serialises; nothing in it is a traceback."""
    assert isinstance(answer, Answer)
    assert answer.route in (*ANSWERED, "refuse", "clarify"), answer.route
    assert isinstance(answer.text, str) and answer.text.strip()
    assert "Traceback" not in answer.text
    if answer.route in ANSWERED:
        assert answer.citations, answer.text
        assert {c.document for c in answer.citations} <= known, answer.citations
    else:
        assert not answer.values and not answer.formula, answer.text
    json.dumps(answer.to_dict(), ensure_ascii=False)


def index_in_memory(doc: Any) -> None:
    """What indexing does with a parsed document, in memory: audit it, store it, cut its passages, tokenize
    them; the stored facts are the document's."""
    import sqlite3

    from assistant.audit import audit_document
    from assistant.chunks import chunk_document
    from assistant.retrieval import chunk_tokens
    from assistant.store import Store, fact_rows

    audit = audit_document(doc).to_dict()
    json.dumps(audit, ensure_ascii=False)
    store = Store(sqlite3.connect(":memory:"))
    store.add_document(doc, "0" * 64, audit)
    assert len(store.facts(doc.id)) == len(fact_rows(doc))
    store.close()
    for chunk in chunk_document(doc):
        assert chunk.document == doc.id and chunk.text.strip()
        chunk_tokens(chunk)


def check_source(source: Any) -> None:
    """A reader's contract: pages empty or one per line in order, ruled rows on lines that exist."""
    assert all(isinstance(line, str) for line in source.lines)
    assert not source.pages or (
        len(source.pages) == len(source.lines) and source.pages == sorted(source.pages)
    )
    assert all(0 <= line < len(source.lines) for line in source.grid)
