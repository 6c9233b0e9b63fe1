"""The assistant: a question (and the conversation so far) → an `Answer` with its evidence.

    understand (frame) → apply the conversation → route → execute with exact arithmetic → compose

Table questions never load a model; narrative questions use the hybrid retriever, loaded on first need.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from assistant import answer as compose
from assistant.compute import amount, per_month, percent, plain, ratio, total, yuan
from assistant.errors import IndexMissingError
from assistant.index import current_build
from assistant.records import Answer, Citation, Document
from assistant.resolve import CellRef, Item, cell, children, level_rows, resolve, text_facts
from assistant.store import Store
from assistant.understand import Frame, Lexicon, Mention, aliases, normalise, understand, unit_match, wording

MAX_QUESTION = 500


@dataclass
class Context:
    """What a conversation has established: the last items, operation and column."""

    items: list[Item] = field(default_factory=list)
    history_items: list[Item] = field(default_factory=list)
    op: str = "lookup"
    column: str | None = None
    whole: Item | None = None
    mentions: list[Mention] = field(default_factory=list)
    document: str = ""


class Assistant:
    """Answers questions about the documents of one index."""

    def __init__(self, store: Store, build_dir: Path | None = None, default_document: str | None = None):
        self.store = store
        self.build_dir = build_dir
        self.docs: dict[str, Document] = {d["id"]: store.load_document(d["id"]) for d in store.documents()}
        if not self.docs:
            raise IndexMissingError("the index holds no documents; build it with `budget-qa index`")
        wanted = default_document or os.environ.get("BUDGET_QA_DOCUMENT", "")
        self.default = wanted if wanted in self.docs else store.first_document()
        self.lexicons = {k: Lexicon(d) for k, d in self.docs.items()}
        self._retriever: Any = None
        self._retriever_error = ""

    @classmethod
    def open(cls, index_dir: str | Path = "index", default_document: str | None = None) -> Assistant:
        build = current_build(index_dir)
        return cls(Store.open(build / "facts.sqlite"), build, default_document)

    # public API
    def ask(self, question: Any, history: list[str] | None = None) -> Answer:
        """Answer one question; `history` holds the earlier user turns of the conversation, oldest first."""
        started = time.perf_counter()
        context = Context()
        for earlier in history or []:
            self._answer(earlier, context)
        result = self._answer(question, context)
        result.latency_ms = (time.perf_counter() - started) * 1000
        return result

    def documents(self) -> list[dict[str, Any]]:
        return self.store.documents()

    # the pipeline
    def _answer(self, question: Any, context: Context) -> Answer:
        problem = _check_input(question)
        doc = self.docs[self.default]
        if problem:
            return compose.refusal(problem, self.suggestions(doc))
        doc = self._choose_document(str(question), context)
        lexicon = self.lexicons[doc.id]
        frame = understand(str(question), lexicon, doc)
        if frame.refuse:
            result = compose.refusal(frame.refuse, self.suggestions(doc))
        else:
            result = self._route(frame, doc, context)
        result.document = doc.id
        if len(self.docs) > 1 and result.route != "refuse":
            result.text += f"\n\n（依据：{doc.unit_name}{doc.year}年{doc.kind}）"
        return result

    def _choose_document(self, question: str, context: Context) -> Document:
        """The document a question names (by unit, even partly: 审计局; and by year), else the conversation's
        document, else the default."""
        if len(self.docs) == 1:
            return next(iter(self.docs.values()))
        q = normalise(question)
        years = [int(y) for y in re.findall(r"(20\d\d)年", q)]
        scored = []
        for doc in self.docs.values():
            score = unit_match(doc.unit_name, q) * 10 + (1 if doc.year in years else 0)
            scored.append((score, doc.id == (context.document or self.default), doc.id))
        best = max(scored)
        context.document = best[2] if best[0] else (context.document or self.default)
        return self.docs[context.document]

    def _route(self, frame: Frame, doc: Document, context: Context) -> Answer:
        if doc.year - 1 in frame.years and frame.op in ("lookup", "count"):
            frame.op = "prior"  # a figure of the prior year: only the text's comparison can tell
        if frame.followup == "other-item" and context.op == "define" and not frame.wants_figure:
            frame.wants_text = True  # 那项目支出预算呢？ after a definition: another definition
        if frame.unknown and not frame.mentions and not frame.wants_text:
            return compose.refusal(f"文件中没有「{frame.unknown}」这一项", self.suggestions(doc))
        items = self._items(frame, doc, context)
        if frame.wants_text and not frame.mentions and context.items:
            frame.question = normalise(context.items[0].label) + frame.question  # 它是怎么定义的？
        passage_first = bool(re.search(wording()["passage_first"], frame.question))
        if items and frame.op not in ("lookup", "count", "prior", "list") and not passage_first:
            result = self._execute(frame, doc, items, context)  # arithmetic, ranking, breakdown: the tables
            if re.search(wording()["definition"], frame.question) and result.route != "refuse":
                text = self._text_answer(frame, doc, items)
                return self._hybrid(text, result) if text is not None else result
            return result
        if frame.wants_text and (text := self._text_answer(frame, doc, items)) is not None:
            _remember_text(context, frame, items)
            if items and frame.wants_figure:
                return self._hybrid(text, self._execute(frame, doc, items, context))
            return text
        if items or frame.op in ("balance", "rank", "average", "prior"):
            return self._execute(frame, doc, items, context)
        worded = len(re.findall(r"[\u4e00-\u9fff]|[a-z]{3,}", frame.question)) >= 2
        if worded and not frame.wants_figure and (text := self._text_answer(frame, doc, items)) is not None:
            _remember_text(context, frame, items)
            return text
        return compose.refusal("文件中没有找到与问题对应的数字或说明", self.suggestions(doc))

    def _items(self, frame: Frame, doc: Document, context: Context) -> list[Item]:
        """Resolve mentions, filling in from the conversation where the question leans on it."""
        if frame.row_columns and frame.mentions:
            row = frame.mentions[0]
            items = [i for c in frame.row_columns if (i := resolve(doc, row, frame, column=c)) is not None]
            if frame.op == "share" and len(items) == 1 and (whole := resolve(doc, row, frame)) is not None:
                items.append(whole)
            elif frame.op == "lookup" and len(items) > 1:
                frame.op = "list"
            return _dedupe(items)
        items = _dedupe(
            [i for m in frame.mentions if (i := self._resolve(doc, m, frame, context)) is not None]
        )
        items = [_money_fact(doc, i, frame) for i in items]
        if frame.op == "lookup" and len(items) == 2 and _is_under(items[1], items[0]):
            items = items[1:]  # 住房保障支出里购房补贴多少: the item inside the one that locates it
        prev = context.items
        if frame.followup == "pair" and len(items) < 2 and len(context.history_items) >= 2:
            items = context.history_items[-2:]
            if frame.reverse:
                items = items[::-1]
            if frame.op == "lookup":
                frame.op = "sum"
        elif frame.followup == "convert" and not items and prev:
            items = prev[-1:]
        elif (
            frame.followup == "other-item"
            and items
            and frame.op == "lookup"
            and context.op not in ("lookup", "define")
        ):
            frame.op = context.op
            if context.op == "share" and context.whole is not None:
                items = items[:1] + [context.whole]
        elif frame.followup in ("reuse", "other-item", "child") and prev:
            if (
                not items
                and frame.op in ("sum", "difference", "multiple")
                and len(context.history_items) >= 2
            ):
                items = context.history_items[-2:]  # 加起来是多少？ after two items
            elif not items and frame.op != "lookup":
                items = prev[:1] if frame.op in ("share", "breakdown", "per_month", "prior", "rank") else prev
            elif not items and frame.op == "lookup" and len(frame.question) <= 12:
                items = prev
            elif (
                frame.op == "share"
                and len(items) == 1
                and _whole_only(frame)
                or frame.op in ("difference", "multiple", "sum")
                and len(items) == 1
            ):
                items = prev[:1] + items
        return items

    def _resolve(self, doc: Document, mention: Mention, frame: Frame, context: Context) -> Item | None:
        if frame.followup == "child" and context.items:
            parent = context.items[0]
            column = aliases()["columns"].get(mention.surface)
            if column and context.mentions:
                return resolve(doc, context.mentions[0], frame, column=column)
            for child in _children_items(doc, parent):
                if mention.surface in normalise(child.label):
                    return child
        return resolve(doc, mention, frame)

    def _execute(self, frame: Frame, doc: Document, items: list[Item], context: Context) -> Answer:
        op = frame.op
        handler = {
            "sum": self._sum,
            "difference": self._difference,
            "share": self._share,
            "multiple": self._multiple,
            "rank": self._rank,
            "breakdown": self._breakdown,
            "per_month": self._per_month,
            "prior": self._prior,
            "balance": self._balance,
            "count": self._lookup,
            "list": self._lookup,
            "average": self._average,
        }.get(op, self._lookup)
        result = handler(frame, doc, items)
        if result.route != "refuse":
            context.op = op if result.formula or op in ("lookup", "count") else context.op
            context.column = frame.column
            context.items = items
            context.mentions = frame.mentions or context.mentions
            context.history_items = (
                context.history_items + [i for i in items if i not in context.history_items]
            )[-4:]
            if op == "share" and len(items) > 1:
                context.whole = items[1]
        return result

    # operations
    def _lookup(self, frame: Frame, doc: Document, items: list[Item]) -> Answer:
        items = items[:4]
        text = compose.lookup_text(items, frame.unit)
        return Answer(
            text,
            "table" if any(i.primary for i in items) else "text",
            compose.citations(doc.id, items),
            compose.values(items),
        )

    def _sum(self, frame: Frame, doc: Document, items: list[Item]) -> Answer:
        if len(items) < 2:
            return self._lookup(frame, doc, items)
        s = total([i.value for i in items])
        formula = " + ".join(compose.formula_operand(i) for i in items) + f" = {plain(s)}元"
        names = "、".join(i.label for i in items)
        text = f"{names}合计 **{amount(s, frame.unit)}**。\n\n计算：{formula}\n\n" + _sources(items)
        return _table_answer(text, doc, items, formula, ("合计", s))

    def _difference(self, frame: Frame, doc: Document, items: list[Item]) -> Answer:
        if len(items) < 2:
            return self._lookup(frame, doc, items)
        a, b = items[0], items[1]
        d = a.value - b.value
        formula = f"{compose.formula_operand(a)} − {compose.formula_operand(b)} = {plain(d)}元"
        more = "多" if d >= 0 else "少"
        text = (
            f"{a.label}比{b.label}{more} **{amount(abs(d), frame.unit)}**。\n\n计算：{formula}\n\n"
            + _sources(items[:2])
        )
        return _table_answer(text, doc, items[:2], formula, ("差额", d))

    def _share(self, frame: Frame, doc: Document, items: list[Item]) -> Answer:
        part = items[0]
        whole = items[1] if len(items) > 1 else self._default_whole(doc, part)
        if whole is None:
            return self._lookup(frame, doc, items)
        p = percent(part.value, whole.value)
        if p is None:
            return compose.refusal(f"{whole.label}为0，无法计算比例", self.suggestions(doc))
        formula = f"{compose.formula_operand(part)} ÷ {compose.formula_operand(whole)} × 100% = {p}%"
        note = "" if len(items) > 1 else f"（问题未说明占什么的比例，按{whole.label}计算）"
        text = f"{part.label}占{whole.label}的 **{p}%**{note}。\n\n计算：{formula}\n\n" + _sources(
            [part, whole]
        )
        return _table_answer(text, doc, [part, whole], formula, ("占比", p), unit="%")

    def _default_whole(self, doc: Document, part: Item) -> Item | None:
        if part.primary is not None:
            table = part.primary.table
            total_row = next(
                (
                    i
                    for i, r in enumerate(table.rows)
                    if r.level == 0 and r.side != "收入" and re.search(r"(合计|总计)$", r.name)
                ),
                None,
            )
            if total_row is not None and total_row != part.primary.row:
                ref = cell(table, total_row, "合计" if "合计" in table.columns else part.primary.column)
                if ref:
                    return Item(f"{_short(table.name)}合计", ref.yuan, ref)
            if part.primary.row == total_row and part.primary.column != "合计" and "合计" in table.columns:
                ref = cell(
                    table, total_row, "合计"
                )  # a column total (人员经费) as a share of the table total
                if ref:
                    return Item(f"{table.rows[total_row].name}", ref.yuan, ref)
        return None

    def _multiple(self, frame: Frame, doc: Document, items: list[Item]) -> Answer:
        if len(items) < 2:
            return self._lookup(frame, doc, items)
        a, b = items[0], items[1]
        r = ratio(a.value, b.value)
        if r is None:
            return compose.refusal(f"{b.label}为0，无法计算倍数", self.suggestions(doc))
        formula = f"{compose.formula_operand(a)} ÷ {compose.formula_operand(b)} = {r}"
        text = f"{a.label}是{b.label}的 **{r}倍**。\n\n计算：{formula}\n\n" + _sources([a, b])
        return _table_answer(text, doc, [a, b], formula, ("倍数", r), unit="倍")

    def _per_month(self, frame: Frame, doc: Document, items: list[Item]) -> Answer:
        item = items[0]
        m = per_month(item.value)
        formula = f"{compose.formula_operand(item)} ÷ 12 = {plain(m)}元"
        text = (
            f"{item.label}全年 {amount(item.value)}，平均每月约 **{yuan(m)}**。\n\n计算：{formula}\n\n"
            + _sources([item])
        )
        return _table_answer(text, doc, [item], formula, ("每月平均", m))

    def _rank(self, frame: Frame, doc: Document, items: list[Item]) -> Answer:
        scope = self._rank_scope(frame, doc, items)
        if scope is None or not scope[1]:
            return compose.refusal("无法确定要比较哪些项目", self.suggestions(doc))
        parent, group = scope
        group = sorted(group, key=lambda i: i.value, reverse=frame.order != "min")
        top = group[: frame.top] if frame.top else group[:1]
        head = "、".join(f"**{i.label}**（{_shown(i)}）" for i in top)
        word = "最少" if frame.order == "min" else "最多"
        listing = "\n".join(f"{n}. {i.label}：{_shown(i)}" for n, i in enumerate(group[:10], start=1))
        if len(group) > 10:
            listing += f"\n（共{len(group)}项，仅列前10项）"
        text = f"{parent + '中' if parent else ''}{word}的是{head}。\n\n排序：\n{listing}\n\n" + _origin(
            group
        )
        return Answer(
            text,
            "table" if group[0].primary else "text",
            compose.citations(doc.id, group[:15]),
            compose.values(top),
        )

    def _rank_scope(self, frame: Frame, doc: Document, items: list[Item]) -> tuple[str, list[Item]] | None:
        """What to compare: the parts of the item named, or the rows of one level of a table."""
        first = items[0].primary if items else None
        if (
            first
            and frame.table_hint
            and first.table.key not in frame.table_hint
            and first.table.rows[first.row].level == 0
        ):
            items = []  # 哪个功能分类科目的支出最多: the table named, not the grand total
        if items:
            parts = [p for _, p in self._parts(doc, items[0], frame, depth=False)]
            if frame.level and items[0].primary and items[0].primary.table.rows[items[0].primary.row].code:
                ref = items[0].primary
                rows = [
                    i
                    for i, r in enumerate(ref.table.rows)
                    if r.code.startswith(ref.table.rows[ref.row].code + " ") and r.level == frame.level
                ]
                parts = [
                    Item(c.name, c.yuan, c) for i in rows if (c := cell(ref.table, i, ref.column))
                ] or parts
            if parts:
                return items[0].label, parts
        for key in frame.table_hint + ["expenditure_summary", "economic"]:
            table = doc.table(key)
            if table is None or table.key == "three_public":
                continue
            rows = level_rows(table, frame.level or 1)
            if rows:
                col = frame.column if frame.column in table.columns else "合计"
                return "", [Item(c.name, c.yuan, c) for i in rows if (c := cell(table, i, col))]
        return None

    def _average(self, frame: Frame, doc: Document, items: list[Item]) -> Answer:
        scope = self._rank_scope(frame, doc, items if len(items) == 1 else [])
        group = items if len(items) > 1 else (scope[1] if scope else [])
        if not group:
            return compose.refusal("无法确定要平均哪些项目", self.suggestions(doc))
        s = total([i.value for i in group])
        mean = (s / len(group)).quantize(Decimal("0.01"))
        formula = f"({' + '.join(plain(i.value) for i in group)}) ÷ {len(group)} = {plain(mean)}元"
        names = "、".join(i.label for i in group)
        text = (
            f"{names}共{len(group)}项，平均 **{amount(mean, frame.unit)}**。\n\n计算：{formula}\n\n"
            + _sources(group)
        )
        return _table_answer(text, doc, group, formula, ("平均", mean))

    def _breakdown(self, frame: Frame, doc: Document, items: list[Item]) -> Answer:
        item = items[0]
        parts = self._parts(doc, item, frame)
        if not parts:
            return self._lookup(frame, doc, items)
        lines = [f"{'  ' * depth}- {_row_title(p)}：{_shown(p)}" for depth, p in parts]
        top = [p for d, p in parts if d == 0]
        s = total([p.value for p in top])
        formula = " + ".join(f"{p.label} {plain(p.value)}" for p in top) + f" = {plain(s)}元"
        check = "" if s == item.value else f"（各项合计 {yuan(s)}）"
        text = (
            f"**{item.label}** {amount(item.value)}，由以下部分构成{check}：\n"
            + "\n".join(lines)
            + f"\n\n核对：{formula}\n\n"
            + _origin([p for _, p in parts])
        )
        cites = compose.citations(doc.id, [item] + [p for _, p in parts])
        return Answer(text, "table" if item.primary else "text", cites, compose.values([item]), formula)

    def _parts(self, doc: Document, item: Item, frame: Frame, depth: bool = True) -> list[tuple[int, Item]]:
        """The parts of an item: its child rows, the columns its identity sums, or the facts listed under it.

        A column total (人员经费, 公用经费) breaks down by economic class unless the question asks for the
        functional classification (功能/科目); a grand total by its identity (合计 = 人员经费 + 公用经费 + 项目支出)
        unless the question asks for classes.
        """
        if item.primary is None:
            return [(0, c) for c in _children_items(doc, item)]
        q = frame.question
        by_function = bool(re.search(r"功能|科目", q))
        by_rows = by_function or bool(re.search(r"[类款项]级|大类|[哪几各按个]一?类|哪些类|类别", q))
        cells = list(item.cells)
        if by_function:
            cells.sort(key=lambda c: c.table.key == "economic")
        elif any(c.column not in ("合计", "预算数") for c in cells):
            cells.sort(key=lambda c: c.table.key != "economic")
        if not by_rows:  # an income item breaks down by source of funds, as the income side lists them
            cells.sort(key=lambda c: c.table.rows[c.row].side != "收入")
        if not by_rows:
            for ref in cells:
                top = ref.table.rows[ref.row].level == 0 or ref.table.key == "three_public"
                if top and (parts := _identity_parts(ref)):
                    return [(0, p) for p in parts]
        for ref in cells:
            rows = children(ref)
            column_total = ref.column not in ("合计", "预算数")
            out: list[tuple[int, Item]] = []
            for i in rows:
                c = cell(ref.table, i, ref.column)
                if c is None or (c.yuan == 0 and (len(rows) > 3 or column_total)):
                    continue
                out.append((0, Item(c.name, c.yuan, c)))
                if depth:
                    out += _subtree(
                        c, 1, full=column_total and not re.search(r"大类|[哪几各按个]一?类|哪些类", q)
                    )
            if out:
                return out
        return []

    def _prior(self, frame: Frame, doc: Document, items: list[Item]) -> Answer:
        surfaces = [m.surface for m in frame.mentions] or [normalise(i.label) for i in items]
        changes = [f for f in doc.text_facts if f.column.startswith("比")]
        for surface in surfaces or [""]:
            facts = text_facts(doc, surface, change=True) if surface else changes[:1]  # the budget as a whole
            if facts:
                f = facts[0]
                change = f.value
                prior_year = re.search(r"20\d\d", f.column).group(0) if re.search(r"20\d\d", f.column) else ""
                if change == 0:
                    verdict = f"与{prior_year}年预算持平"
                else:
                    verdict = f"比{prior_year}年预算{'增加' if change > 0 else '减少'}{abs(change)}{f.unit}"
                current = next((x for x in doc.text_facts if x.row_name == f.row_name and not x.column), None)
                formula = ""
                text = f"**{f.row_name}**{verdict}。"
                cites = [compose.cite_fact(doc.id, f)]
                if current is not None:
                    now = current.value
                    before = now - change
                    formula = f"{now} − ({change}) = {before}{f.unit}"
                    text += (
                        f"\n\n{doc.year}年为{now}{f.unit}，据此推算{prior_year}年预算约为 {before}{f.unit}"
                        f"（由文中“{'持平' if change == 0 else verdict}”推算，为近似值）。"
                        f"\n\n计算：{formula}"
                    )
                text += f"\n\n来源：{f.table}——“{f.quote}”"
                extra = [c for c in compose.citations(doc.id, items) if c not in cites][:3]
                return Answer(text, "text", cites + extra, formula=formula)
        return compose.refusal("文件没有给出该项与上年相比的说明", self.suggestions(doc))

    def _balance(self, frame: Frame, doc: Document, items: list[Item]) -> Answer:
        table = doc.table("financial_summary") or doc.table("fiscal_summary")
        if table is None:
            return compose.refusal("文件中没有收支总表", self.suggestions(doc))
        inc = next((cell(table, i, "预算数") for i, r in enumerate(table.rows) if r.name == "收入总计"), None)
        exp_row = next((i for i, r in enumerate(table.rows) if r.name == "支出总计"), None)
        exp = cell(table, exp_row, table.columns[0]) if exp_row is not None else None
        if inc is None or exp is None:
            return compose.refusal("收支总计不完整", self.suggestions(doc))
        same = inc.yuan == exp.yuan
        verdict = "收支平衡" if same else "收支不相等"
        formula = f"收入总计 {plain(inc.yuan)} {'=' if same else '≠'} 支出总计 {plain(exp.yuan)}"
        text = f"**{verdict}**：收入总计 {amount(inc.yuan)}，支出总计 {amount(exp.yuan)}。\n\n{formula}\n\n来源：《{table.name}》"
        items = [Item("收入总计", inc.yuan, inc), Item("支出总计", exp.yuan, exp)]
        return Answer(text, "table", compose.citations(doc.id, items), compose.values(items), formula)

    # narrative
    def retriever(self) -> Any:
        if self._retriever is None and not self._retriever_error:
            try:
                from assistant.retrieval import load_retriever

                dense = os.environ.get("BUDGET_QA_DENSE", "1") != "0"
                self._retriever = load_retriever(self.build_dir, dense=dense) if self.build_dir else None
            except Exception as err:  # noqa: BLE001 - retrieval is optional; the tables still answer
                self._retriever_error = f"{type(err).__name__}: {err}"
        return self._retriever

    def _text_answer(self, frame: Frame, doc: Document, items: list[Item] | None = None) -> Answer | None:
        retriever = self.retriever()
        if retriever is None:
            return None
        hits = retriever.search(frame.question, k=3, document=doc.id)
        # passages that name the item asked about come first, then the section the wording points to
        names = {m.surface for m in frame.mentions if not m.fuzzy}
        ranked = retriever.rank(frame.question, k=8, document=doc.id)
        naming = [h for h in ranked if any(n and n in normalise(h.chunk.text) for n in names)]
        if not hits and not naming:
            return None  # nothing relevant: refuse rather than quote something unrelated
        wanted = next(
            (sec for pattern, sec in wording()["sections"] if re.search(pattern, frame.question)), None
        )
        pool = naming or hits
        preferred = [h for h in (naming or ranked) if h.chunk.section == wanted]
        if preferred:
            pool = preferred + [h for h in pool if h not in preferred]
        hits = pool
        best = hits[0]
        chosen = [best] + [h for h in hits[1:3] if h.chunk.section == best.chunk.section and _close(h, best)]
        if best.chunk.section == "主要职能" and re.search(wording()["mandate"], frame.question):
            chosen = _mandate(retriever, doc.id, frame.question)
        parts = []
        cites = []
        group = None
        for hit in chosen:
            c = hit.chunk
            if (c.section, c.heading) != group:
                group = (c.section, c.heading)
                parts.append(f"**{c.section}" + (f" · {c.heading}" if c.heading else "") + "**")
            parts.append(compose.quote_block(c.text))
            cites.append(Citation("text", doc.id, section=c.section, quote=c.text, line=c.line_start))
        text = "\n\n".join(parts) + f"\n\n来源：{doc.unit_name}{doc.year}年{doc.kind}「{best.chunk.section}」"
        return Answer(text, "text", cites)

    def _hybrid(self, text: Answer, table: Answer) -> Answer:
        return Answer(
            table.text + "\n\n" + text.text,
            "hybrid",
            table.citations + text.citations,
            table.values,
            table.formula,
        )

    def suggestions(self, doc: Document) -> list[str]:
        year = doc.year or ""
        return [
            f"{year}年支出预算总计是多少？",
            "“三公”经费预算是多少？由哪些部分构成？",
            "什么是机关运行经费？",
        ]


def _mandate(retriever: Any, document: str, question: str) -> list[Any]:
    """Every 职能 item, in document order; only one office's when the question names it."""
    from assistant.retrieval import Hit

    chunks = [c for c in retriever.chunks if c.document == document and c.section == "主要职能"]
    headings = {c.heading for c in chunks if c.heading}
    named = [h for h in headings if re.sub(r"主要职能.*$", "", normalise(h)) in question and "主要职能" in h]
    if named:
        longest = max(named, key=len)
        chunks = [c for c in chunks if c.heading == longest]
    chunks.sort(key=lambda c: c.line_start)
    return [Hit(c, 1.0, None, None) for c in chunks]


def _short(table_name: str) -> str:
    """《2024年预算单位一般公共预算基本支出部门预算经济分类预算表》 → 经济分类预算表"""
    for word in ("经济分类", "功能分类", "支出预算总表", "收入预算总表", "财务收支", "财政拨款收支", "三公"):
        if word in table_name:
            return table_name[table_name.index(word) :]
    return table_name


def _is_under(child: Item, parent: Item) -> bool:
    """Whether a row lies under another by its code (221 02 03 under 221)."""
    for p in parent.cells:
        code = p.table.rows[p.row].code
        for c in child.cells:
            if code and c.table.key == p.table.key and c.table.rows[c.row].code.startswith(code + " "):
                return True
    return False


def _remember_text(context: Context, frame: Frame, items: list[Item]) -> None:
    context.op = "define"
    context.items = items or context.items
    context.mentions = frame.mentions or context.mentions


def _dedupe(items: list[Item]) -> list[Item]:
    out: list[Item] = []
    for i in items:
        key = (i.primary.table.key, i.primary.row, i.primary.column) if i.primary else (i.label, i.value)
        if all(
            ((o.primary.table.key, o.primary.row, o.primary.column) if o.primary else (o.label, o.value))
            != key
            for o in out
        ):
            out.append(i)
    return out


def _money_fact(doc: Document, item: Item, frame: Frame) -> Item:
    """A count stated in the text (项目共2个) next to its money (涉及资金196.00万元): the money when asked."""
    if item.fact is None or item.unit == "元":
        return item
    if not (
        frame.op in ("difference", "share", "sum", "multiple")
        or re.search(r"资金|金额|多少钱", frame.question)
    ):
        return item
    for fact in doc.text_facts:
        if fact.quote == item.fact.quote and fact.unit in ("万元", "元") and not fact.column:
            from assistant.compute import to_yuan

            return Item(fact.row_name, to_yuan(fact.value, fact.unit), fact=fact)
    return item


def _children_items(doc: Document, item: Item) -> list[Item]:
    """Rows under a row; for a fact stated in the text, the facts listed after it in the same sentence."""
    if item.primary is not None:
        return [
            Item(c.name, c.yuan, c)
            for i in children(item.primary)
            if (c := cell(item.primary.table, i, item.primary.column))
        ]
    if item.fact is None:
        return []
    from assistant.compute import to_yuan

    same = [f for f in doc.text_facts if f.quote == item.fact.quote and not f.column]
    after = same[same.index(item.fact) + 1 :] if item.fact in same else []
    return [
        Item(
            f.row_name,
            to_yuan(f.value, f.unit) if f.unit in ("元", "万元") else f.value,
            fact=f,
            unit="元" if f.unit in ("元", "万元") else f.unit,
        )
        for f in after
        if f.unit == item.fact.unit
    ]


def _identity_parts(ref: CellRef) -> list[Item]:
    from assistant.documents import layouts

    template = next((t for t in layouts()["tables"] if t["key"] == ref.table.key), None)
    for layout in template["layouts"] if template else []:
        for target, *parts in layout["identities"]:
            if target == ref.column and all(p in ref.table.columns for p in parts):
                return [Item(c.column, c.yuan, c) for p in parts if (c := cell(ref.table, ref.row, p))]
    return []


def _subtree(ref: CellRef, depth: int, full: bool) -> list[tuple[int, Item]]:
    out: list[tuple[int, Item]] = []
    for i in children(ref):
        c = cell(ref.table, i, ref.column)
        if c is None or c.yuan == 0:
            continue
        out.append((depth, Item(c.name, c.yuan, c)))
        if full:
            out += _subtree(c, depth + 1, full)
    return out


def _shown(item: Item) -> str:
    return yuan(item.value) if item.unit == "元" else f"{item.value}{item.unit}"


def _row_title(item: Item) -> str:
    if item.primary is not None and item.primary.table.rows[item.primary.row].code:
        return item.primary.row_label if item.primary.column in ("合计", "预算数") else item.label
    return item.label


def _origin(items: list[Item]) -> str:
    tables = []
    for i in items:
        name = f"《{i.primary.table.name}》" if i.primary else (f"{i.fact.table}" if i.fact else "")
        if name and name not in tables:
            tables.append(name)
    return "来源：" + "、".join(tables)


def _close(hit: Any, best: Any) -> bool:
    return getattr(hit, "score", 0) >= 0.85 * getattr(best, "score", 1)


def _whole_only(frame: Frame) -> bool:
    q = frame.question
    m = frame.mentions[0] if frame.mentions else None
    return m is not None and "占" in q and q.find("占") < m.start


def _sources(items: list[Item]) -> str:
    return "\n".join(f"- {i.label}：{compose.where(i)[3:]}" for i in items)


def _table_answer(
    text: str, doc: Document, items: list[Item], formula: str, result: tuple[str, Decimal], unit: str = "元"
) -> Answer:
    from assistant.records import Value, format_decimal

    values = compose.values(items) + [Value(result[0], format_decimal(result[1]), unit)]
    route = "table" if any(i.primary for i in items) else "text"
    return Answer(text, route, compose.citations(doc.id, items), values, formula)


def _check_input(question: Any) -> str:
    if not isinstance(question, str):
        return "问题需要是文字"
    q = question.strip()
    if not q:
        return "问题是空的，请输入一个关于预算的问题"
    if len(q) > MAX_QUESTION:
        return f"问题太长（{len(q)}字，上限{MAX_QUESTION}字），请精简后再问"
    if "\x00" in q or sum(1 for ch in q if ord(ch) < 32 and ch not in "\n\t") > 0:
        return "问题中含有无法识别的字符"
    if not re.search(r"[\u4e00-\u9fffA-Za-z0-9]", q):
        return "没有看懂这个问题，请用中文描述想了解的预算内容"
    return ""
