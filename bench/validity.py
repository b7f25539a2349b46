"""Validity benchmark: measure how often the grader is right.

Builds a corpus of labelled submissions from the references and the
misconception library, grades it through the real sandbox, and prints

* false negatives: correct submissions that lost any credit (target 0);
* detection: the fraction of wrong functions that lost credit (target >= 98%);
* naming: the fraction of detected wrong functions whose misconception was
  named correctly (target >= 90%);
* the false-failure rate of every statistical or property check over many
  seeds on the reference (target: no failure in 200 seeds);
* the same figures on the independent corpora of ``tests/corpora`` (correct
  submissions in the style of public codebases, and single-mistake
  submissions written from the problem sets without the catalogue), graded
  through the real sandbox: the honest naming rate.

The corpus, per assignment:

* correct, generated: the reference itself (torch), its outputs converted to
  numpy (except outputs the contract requires to be differentiable), and cast
  to float32 (the contract's equivalent representations), in module and
  notebook form;
* correct, hand-written: every sample-class student marked "correct" in
  ``submissions/<assignment>/ROSTER.md`` (loops, numpy, other algebra);
* wrong: every misconception, one function at a time, in module and notebook
  form (graded on that function's checks).

Generated submissions import the reference and the misconception library, so
the benchmark runs the sandbox with those imports allowed and without
bubblewrap: it measures the judge, not the isolation.

Usage::

    python bench/validity.py                       # everything (about 10 minutes on 2 cores)
    python bench/validity.py --assignments hw2 --seeds 50 --workers 2
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.discover import Submission, sha256_file  # noqa: E402
from grader.judge.inprocess import run_check  # noqa: E402
from grader.judge.kinds import CHECK_KINDS  # noqa: E402
from grader.judge.kinds.elementwise import Elementwise  # noqa: E402
from grader.limits import Limits  # noqa: E402
from grader.pipeline import grade_submission  # noqa: E402
from grader.rubric import Rubric, load_rubrics  # noqa: E402
from reference.misconceptions import for_function  # noqa: E402

STYLES = {
    "torch": "",
    "numpy": ("import numpy as _np, torch as _torch\n"
              "def _convert(v):\n"
              "    if isinstance(v, _torch.Tensor):\n"
              "        return v if v.requires_grad else v.numpy()  # differentiable outputs stay torch\n"
              "    if isinstance(v, (tuple, list)):\n"
              "        return type(v)(_convert(x) for x in v)\n"
              "    if isinstance(v, dict):\n"
              "        return {k: _convert(x) for k, x in v.items()}\n"
              "    return v\n"),
    "float32": ("import torch as _torch\n"
                "def _convert(v):\n"
                "    if isinstance(v, _torch.Tensor) and v.is_floating_point():\n"
                "        return v.float()  # keeps the autograd graph\n"
                "    if isinstance(v, (tuple, list)):\n"
                "        return type(v)(_convert(x) for x in v)\n"
                "    if isinstance(v, dict):\n"
                "        return {k: _convert(x) for k, x in v.items()}\n"
                "    return v\n"),
}


@dataclass
class Item:
    """One labelled submission of the corpus."""

    assignment: str
    student: str
    path: Path
    kind: str  # "correct" or "wrong"
    function: str | None = None  # the wrong function
    misconception: str | None = None


def _module_source(assignment: str, rubric: Rubric, style: str, replace: tuple[str, str] | None) -> str:
    lines = [f"from reference.{assignment} import *  # noqa"]
    if replace:  # from the registry: some variants are made in loops and are not module attributes
        function, name = replace
        lines.append("from reference.misconceptions import for_function as _variants\n"
                     f"{function} = next(v.impl for v in _variants({assignment!r}, {function!r}) "
                     f"if v.name == {name!r})")
    if STYLES[style]:
        lines.append(STYLES[style])
        for fn in rubric.functions:
            lines.append(f"_ref_{fn.name} = {fn.name}\n"
                         f"def {fn.name}(*args):\n    return _convert(_ref_{fn.name}(*args))\n")
    return "\n".join(lines) + "\n"


def _write(folder: Path, student: str, source: str, form: str) -> Path:
    if form == "py":
        path = folder / f"{student}.py"
        path.write_text(source)
    else:
        path = folder / f"{student}.ipynb"
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_markdown_cell(f"# {student}"), nbformat.v4.new_code_cell(source)]
        nbformat.write(nb, path)
    return path


def _roster_correct(assignment: str) -> list[Path]:
    folder = ROOT / "submissions" / assignment
    roster = folder / "ROSTER.md"
    if not roster.exists():
        return []
    out = []
    for line in roster.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[2].lower().startswith("correct"):
            student = cells[0].strip("` ")
            matches = [p for p in folder.iterdir() if p.stem == student]
            out += matches
    return out


def build_corpus(rubrics: dict[str, Rubric], base: Path) -> list[Item]:
    """Write the corpus under ``base`` and return its labels."""
    items = []
    for assignment, rubric in rubrics.items():
        folder = base / assignment
        folder.mkdir(parents=True)
        for style in STYLES:
            for form in ("py", "ipynb"):
                student = f"correct_{style}_{form}"
                path = _write(folder, student, _module_source(assignment, rubric, style, None), form)
                items.append(Item(assignment, student, path, "correct"))
        for path in _roster_correct(assignment):
            items.append(Item(assignment, f"sample_{path.stem}", path, "correct"))
        for fn in rubric.functions:
            for variant in for_function(assignment, fn.name):
                for form in ("py", "ipynb"):
                    student = f"wrong_{fn.name}__{variant.name}_{form}"
                    source = _module_source(assignment, rubric, "torch", (fn.name, variant.name))
                    path = _write(folder, student, source, form)
                    items.append(Item(assignment, student, path, "wrong", fn.name, variant.name))
    return items


def _grade(item: Item, rubric: Rubric, limits: Limits) -> dict:
    if item.kind == "wrong":  # grade the wrong function only
        rubric = rubric.model_copy(update={"functions": tuple(f for f in rubric.functions
                                                              if f.name == item.function)})
    path = item.path
    source = next(path.glob("*")) if path.is_dir() else path
    kind = "module" if source.suffix == ".py" else "notebook"
    sub = Submission(item.assignment, item.student, path, source, kind, sha256_file(source), path.name)
    return grade_submission(sub, rubric, limits)


def statistical_false_failures(rubrics: dict[str, Rubric], seeds: int) -> list[tuple[str, str, str, int, float]]:
    """Run every non-elementwise check on the reference with ``seeds`` different seeds.

    Returns
    -------
    list of (assignment, function, check, failures, seconds)
    """
    rows = []
    for assignment, rubric in rubrics.items():
        for fn in rubric.functions:
            reference = rubric.reference_function(fn.name)
            for check in fn.checks:
                if isinstance(CHECK_KINDS[check.kind], Elementwise):
                    continue
                start = time.perf_counter()
                failures = sum(
                    run_check(rubric, fn.name, check.name, reference, student=f"seed-{i:04d}",
                              visibility="hidden").outcome != "passed"
                    for i in range(seeds))
                rows.append((assignment, fn.name, check.name, failures, time.perf_counter() - start))
    return rows


def independent_corpus(rubrics: dict[str, Rubric], args: argparse.Namespace, summary: dict,
                       corpus: str = "mistakes") -> bool:
    """Grade a corpus of tests/corpora (written from the problem sets, not the catalogue); print its figures.

    ``corpus`` is ``"mistakes"`` (the development corpus, graded with the
    correct public-style submissions) or ``"heldout"``. Returns whether its
    targets are met: every correct submission at full marks, no mistake
    named wrongly, >= 90% of detected mistakes named right.
    """
    from tests.corpora import correct, grade_file, mistakes

    limits = Limits(call_timeout=args.timeout)  # no reference imports: the real sandbox
    start = time.perf_counter()
    items = [m for m in mistakes(corpus) if m.assignment in rubrics]
    good = [(a, p) for a, paths in correct().items() if a in rubrics for p in paths] if corpus == "mistakes" else []
    with ThreadPoolExecutor(args.workers) as pool:
        docs = list(pool.map(lambda m: grade_file(m.path, m.assignment, rubrics[m.assignment], limits,
                                                  m.function)["items"][0], items))
        good_docs = list(pool.map(lambda ap: grade_file(ap[1], ap[0], rubrics[ap[0]], limits), good))
    seconds = time.perf_counter() - start
    lost = [(a, p, d) for (a, p), d in zip(good, good_docs)
            if any(i["score"] < i["max_score"] for i in d["items"] if i["status"] != "missing")]
    detected = [(m, d) for m, d in zip(items, docs) if d["score"] < d["max_score"]]
    named = [(m, (d["misconception"] or {}).get("name")) for m, d in detected]
    right = [m for m, n in named if n in m.names]
    wrong = [(m, n) for m, n in named if n is not None and n not in m.names]
    print(f"independent corpus tests/corpora/{corpus}: {len(good)} correct and {len(items)} single-mistake "
          f"submissions graded in {seconds:.0f} s")
    if good:
        print(f"    correct submissions that lost credit: {len(lost)} of {len(good)}")
    for a, p, d in lost:
        print(f"        {a}/{p.stem}: " + ", ".join(f"{i['function']} {i['score']:g}/{i['max_score']:g}"
                                                   for i in d["items"] if i["score"] < i["max_score"]
                                                   and i["status"] != "missing"))
    print(f"    mistakes detected: {len(detected)} of {len(items)}")
    for m, d in zip(items, docs):
        if d["score"] >= d["max_score"]:
            print(f"        undetected: {m.assignment}/{m.student}: {m.description}")
    rate = 100 * len(right) / max(len(detected), 1)
    print(f"    named correctly: {len(right)} of {len(detected)} detected ({rate:.1f}%); "
          f"named wrongly: {len(wrong)}; unnamed: {len(detected) - len(right) - len(wrong)}")
    for m, n in named:
        if n not in m.names:
            print(f"        {m.assignment}/{m.student}: named {n}, right {list(m.names) or 'none catalogued'}")
    summary[f"independent_{corpus}"] = dict(correct=len(good), lost=len(lost), mistakes=len(items),
                                            detected=len(detected), named=len(right), misnamed=len(wrong))
    return not lost and not wrong and len(right) >= 0.9 * len(detected)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns 0 when every target is met."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignments", nargs="*", help="default: every rubric")
    parser.add_argument("--seeds", type=int, default=200, help="seeds per statistical check")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=20.0)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--skip-corpus", action="store_true")
    parser.add_argument("--skip-stats", action="store_true")
    parser.add_argument("--skip-independent", action="store_true",
                        help="skip the corpora of tests/corpora (written without the catalogue)")
    args = parser.parse_args(argv)

    rubrics = load_rubrics()
    if args.assignments:
        rubrics = {a: rubrics[a] for a in args.assignments}
    summary: dict = {}
    ok = True
    if not args.skip_corpus:
        limits = Limits(call_timeout=args.timeout, blocked_imports=("grader",), isolation="none")
        with tempfile.TemporaryDirectory(prefix="validity-") as tmp:
            items = build_corpus(rubrics, Path(tmp))
            start = time.perf_counter()
            with ThreadPoolExecutor(args.workers) as pool:
                docs = list(pool.map(lambda it: _grade(it, rubrics[it.assignment], limits), items))
            seconds = time.perf_counter() - start
        broken = [(it, d) for it, d in zip(items, docs) if d["errors"] and not it.student.startswith("sample_")]
        for it, d in broken:  # a generated submission that does not load measures nothing
            print(f"    CORPUS ERROR {it.assignment}/{it.student}: {d['errors'][0]}")
        correct = [(it, d) for it, d in zip(items, docs) if it.kind == "correct"]
        wrong = [(it, d) for it, d in zip(items, docs) if it.kind == "wrong"]
        false_negatives = [(it, d) for it, d in correct if d["score"] < d["max_score"] - 1e-9]
        detected = [(it, d) for it, d in wrong if d["items"][0]["score"] < d["items"][0]["max_score"] - 1e-9]
        named = [(it, d) for it, d in detected
                 if (d["items"][0]["misconception"] or {}).get("name") == it.misconception]
        detection = len(detected) / max(len(wrong), 1)
        naming = len(named) / max(len(detected), 1)
        print(f"corpus: {len(items)} submissions ({len(correct)} correct, {len(wrong)} wrong) "
              f"graded in {seconds:.0f} s with {args.workers} workers")
        print(f"false negatives: {len(false_negatives)} of {len(correct)} correct submissions lost credit")
        for it, d in false_negatives:
            lost = [f"{i['function']} {i['score']:g}/{i['max_score']:g}" for i in d["items"] if i["status"] != "passed"]
            print(f"    {it.assignment}/{it.student}: {', '.join(lost)} {d['errors'][:1]}")
        print(f"detected: {len(detected)} of {len(wrong)} wrong functions ({100 * detection:.1f}%)")
        for it, d in wrong:
            if (it, d) not in detected:
                print(f"    undetected: {it.assignment} {it.function} / {it.misconception}")
        print(f"named correctly: {len(named)} of {len(detected)} detected ({100 * naming:.1f}%)")
        for it, d in detected:
            got = (d["items"][0]["misconception"] or {}).get("name")
            if got != it.misconception:
                print(f"    {it.assignment} {it.function} / {it.misconception}: named {got}")
        summary.update(corpus=len(items), correct=len(correct), wrong=len(wrong),
                       false_negatives=len(false_negatives), detection=detection, naming=naming,
                       seconds=seconds)
        ok &= not broken and not false_negatives and detection >= 0.98 and naming >= 0.90
    if not args.skip_independent:
        for corpus in ("mistakes", "heldout"):
            ok &= independent_corpus(rubrics, args, summary, corpus)
    if not args.skip_stats:
        rows = statistical_false_failures(rubrics, args.seeds)
        print(f"statistical and property checks, reference over {args.seeds} seeds:")
        for assignment, function, check, failures, secs in rows:
            print(f"    {assignment:6s} {function:32s} {check:44s} {failures:3d} failures  ({secs:5.1f} s)")
        summary["statistical"] = [dict(assignment=a, function=f, check=c, failures=n, seeds=args.seeds)
                                  for a, f, c, n, _ in rows]
        ok &= all(n == 0 for *_, n, _ in rows)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1))
    print("all targets met" if ok else "SOME TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
