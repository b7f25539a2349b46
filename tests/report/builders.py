"""Result documents built in memory (validated by the results model): no grading runs."""

from __future__ import annotations

from grader.results import SCHEMA_VERSION, validate_result, write_result


def check(name, visibility, outcome="passed", points=1.0, messages=()):
    return {"name": name, "kind": "elementwise", "visibility": visibility, "outcome": outcome,
            "score": points if outcome == "passed" else 0.0, "max_score": points,
            "messages": list(messages), "plot": None}


def misconception(name, title=""):
    return {"name": name, "title": title, "explanation": f"What {name} is.", "reference": "hw9 problem 1"}


def item(function, checks, mistake=None, feedback=()):
    score = sum(c["score"] for c in checks)
    max_score = sum(c["max_score"] for c in checks) or 1.0
    status = ("passed" if score == max_score else "partial" if score > 0 else "failed") if checks else "missing"
    return {"function": function, "score": float(score), "max_score": float(max_score), "status": status,
            "feedback": list(feedback), "misconception": mistake, "source": None, "checks": checks}


def document(student, items, assignment="hw9", **extra):
    score = sum(i["score"] for i in items)
    doc = {
        "schema_version": SCHEMA_VERSION, "student": student, "assignment": assignment,
        "score": float(score), "max_score": float(sum(i["max_score"] for i in items)) or 1.0,
        "submission_sha256": "ab" * 32, "submission_path": f"{assignment}/{student}.py",
        "submission_kind": "module", "graded_at": "2026-11-30T12:00:00+00:00", "grader_version": "0.test",
        "errors": [], "notes": [], "stdout": "", "items": items, "manual": [],
    }
    doc.update(extra)
    validate_result(doc)
    return doc


def missing(student, functions=("f",), assignment="hw9"):
    items = [{"function": f, "score": 0.0, "max_score": 2.0, "status": "missing",
              "feedback": [f"No submission was found, so {f} was not graded."], "misconception": None,
              "source": None, "checks": []} for f in functions]
    return document(student, items, assignment, submission_sha256="", submission_path="", submission_kind="none",
                    errors=[f"no submission was found for {student}"], status="missing", on_roster=True,
                    score=0.0, max_score=2.0 * len(items))


def write_all(results_dir, docs):
    for doc in docs:
        write_result(results_dir / doc["assignment"] / f"{doc['student']}.json", doc)
    return results_dir
