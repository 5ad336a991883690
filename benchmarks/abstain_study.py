"""Why out-of-scope questions pass `Abstention.covered`: every question of every set on every
corpus, with the evidence the decision read, dumped for study.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/abstain_study.py --cache DIR --out FILE.pkl

Per question: the set, corpus, whether it is in scope, its outcome and whether its first citation
is right (bot/evaluation.py's rules), the `Result` features of the quoted clause, and the whole
dense and BM25 profiles (so a candidate rule can be replayed without the model).
"""

from __future__ import annotations

import argparse
import pickle
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.eval_sets import SETS, corpus_assistant, read, with_gold  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", type=Path)
    ap.add_argument("--corpora", default="smp,tp,hb,big")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()

    from bot.evaluation import evaluate
    from bot.retrieval.embedders import load_embedder

    embedder = load_embedder(None)
    out: dict[str, Any] = {"rows": [], "corpora": {}}
    with tempfile.TemporaryDirectory() as tmp:
        cache = args.cache or Path(tmp) / "cache"
        for corpus in args.corpora.split(","):
            documents, bot = corpus_assistant(corpus, Path(tmp), cache, embedder)
            index = bot.index
            seen: dict[str, Any] = {}
            judge = bot.judge

            def recording(
                r: Any, *, show_nearest: bool = True, _j: Any = judge, seen: dict[str, Any] = seen
            ) -> Any:
                seen["result"] = r
                return _j(r, show_nearest=show_nearest)

            bot.judge = recording  # type: ignore[assignment]
            dense_of = index._dense
            lexical_of = index._lexical

            def dense(q: str, _d: Any = dense_of, seen: dict[str, Any] = seen) -> Any:
                got = _d(q)
                seen["dense"] = got[0]
                return got

            def lexical(t: Any, k: Any, _l: Any = lexical_of, seen: dict[str, Any] = seen) -> Any:
                got = _l(t, k)
                seen["bm"] = got
                return got

            index._dense = dense  # type: ignore[method-assign]
            index._lexical = lexical  # type: ignore[method-assign]
            out["corpora"][corpus] = {
                "unit_doc": index._unit_doc.copy(),
                "unit_terms": index._unit_terms,
                "idf": index.idf,
                "everywhere": index._everywhere,
                "n": len(index.units),
            }
            by_source = {d.source: d for d in documents}
            for qs in SETS:
                if corpus not in qs.corpora:
                    continue
                questions, _ = with_gold(read(qs.files), by_source, qs.smp, corpus)
                for item in questions:
                    seen.clear()
                    answer = bot.ask(item["q"])
                    rep = evaluate([item], lambda _q, a=answer: a, documents)
                    m = rep.metrics()
                    r = seen.get("result")
                    row: dict[str, Any] = {
                        "set": qs.name,
                        "corpus": corpus,
                        "q": item["q"],
                        "in_scope": bool(item["gold"]),
                        "outcome": answer.outcome,
                        "first_right": rep.first_right == 1,
                        "shown": rep.shown == 1,
                        "hit1": rep.hit1 == 1,
                        "m": m,
                    }
                    if r is not None and r.hits:
                        h = r.hits[0]
                        row.update(
                            terms=r.query_terms,
                            coverage=r.coverage,
                            logistics=r.asks_logistics,
                            unanchored=r.unanchored,
                            school_life=r.asks_school_life,
                            top=h.position,
                            top_dense=h.dense,
                            top_bm=h.bm25,
                            top_covered=h.covered,
                            hits=[
                                (x.position, x.score, x.bm25, x.dense, x.covered) for x in r.hits
                            ],
                            dense=np.asarray(seen["dense"], dtype=np.float32)
                            if seen.get("dense") is not None
                            else None,
                            bm=np.asarray(seen["bm"], dtype=np.float32),
                            judged_covered=judge.abstention.covered(r),
                        )
                    out["rows"].append(row)
            print(corpus, "done", len(out["rows"]), file=sys.stderr)
    with args.out.open("wb") as f:
        pickle.dump(out, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
