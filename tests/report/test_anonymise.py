"""Anonymised grading in the reports (issue 10.7): pseudonyms in pages, titles, links and file names.

Documents are built in memory (tests/report/builders.py) and written to a
results folder; nothing is graded.
"""

from __future__ import annotations

import csv
import re

import pytest

from grader.report import pseudonyms as pseudonyms_module
from grader.report.pseudonyms import (
    DEFAULT_SALT,
    MAPPING_FILE,
    anonymise_document,
    is_pseudonym,
    pseudonym,
    pseudonyms,
)
from grader.report.render import render_student_report, write_reports
from grader.results import as_document, load_results
from tests.grader.test_report import parse
from tests.report.builders import check, document, item, misconception, missing, write_all

IDS = ["ada_lovelace", "bob", "carl-gauss"]
SALT = "fall-2026"


def _class():
    fail = check("hid", "hidden", "failed", messages=["could not import hw9/bob.py: see line 3"])
    return [
        document("ada_lovelace", [item("f", [check("pub", "public"), check("hid", "hidden")])],
                 notes=["Neutralised 1 magic in hw9/ada_lovelace.py"]),
        document("bob", [item("f", [check("pub", "public"), fail], misconception("sign_flip", "Sign flipped"),
                              feedback=["could not import hw9/bob.py: see line 3"])],
                 errors=["Loading the module raised NameError in hw9/bob.py"]),
        missing("carl-gauss"),
        document("bob", [item("g", [check("pub", "public")])], assignment="hw10"),
    ]


@pytest.fixture
def out(tmp_path):
    write_all(tmp_path / "results", _class())
    return tmp_path


def _files(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def _leaks(folder, ids=IDS):
    """(file, id) for every real id found in a file name or a file's text under ``folder``."""
    found = []
    for path in sorted(folder.rglob("*")):
        text = str(path.relative_to(folder)) + (path.read_text(encoding="utf-8") if path.is_file() else "")
        found += [(str(path.relative_to(folder)), s) for s in ids if s in text]
    return found


# --------------------------------------------------------------------------- the names


def test_pseudonym_is_readable_stable_and_depends_on_the_salt():
    name = pseudonym("bob", SALT)
    assert re.fullmatch(r"student-[a-z2-7]{6}", name) and is_pseudonym(name)
    assert pseudonym("bob", SALT) == name
    assert pseudonym("bob", "spring-2027") != name
    assert pseudonym("alice", SALT) != name
    assert pseudonym("bob", "") == pseudonym("bob", DEFAULT_SALT) != name  # empty term: the public salt
    assert len(pseudonym("bob", SALT, 10)) == len("student-") + 10
    with pytest.raises(ValueError, match="length 5"):
        pseudonym("bob", SALT, 5)


def test_is_pseudonym_rejects_ids():
    assert not any(is_pseudonym(s) for s in ["bob", "student-", "student-ABCDEF", "student-abc", "student-abcde1"])


def test_class_pseudonyms_are_distinct_and_match_the_single_ones():
    names = pseudonyms(["bob", "ada_lovelace", "bob"], SALT)
    assert names == {"ada_lovelace": pseudonym("ada_lovelace", SALT), "bob": pseudonym("bob", SALT)}


def test_colliding_pseudonyms_are_lengthened_and_the_others_kept(monkeypatch):
    real = pseudonyms_module._digest

    def clash(student, salt):  # x and y share their first 7 characters
        return {"x": "aaaaaaab" + "c" * 44, "y": "aaaaaaac" + "c" * 44}.get(student) or real(student, salt)

    monkeypatch.setattr(pseudonyms_module, "_digest", clash)
    names = pseudonyms(["x", "y", "z"], SALT)
    assert names == {"x": "student-aaaaaaab", "y": "student-aaaaaaac", "z": pseudonym("z", SALT)}
    assert all(is_pseudonym(n) for n in names.values())
    monkeypatch.setattr(pseudonyms_module, "_digest", lambda student, salt: "q" * 52)
    with pytest.raises(ValueError, match="same pseudonym"):
        pseudonyms(["x", "y"], SALT)


def test_anonymise_document_replaces_the_id_in_grader_text_only():
    doc = as_document(document("ada", [item("f", [check("c", "public", "failed", messages=["ada.py line 2"])],
                                            feedback=["in hw9/ada.py"])],
                               submission_path="hw9/ada.py", errors=["ada.py: SyntaxError"],
                               notes=["adam optimiser; ada-lovelace; ada_b"], stdout="I am ada"))
    shown = anonymise_document(doc, "student-abcdef")
    assert shown.student == "student-abcdef" and shown.submission_path == "hw9/student-abcdef.py"
    assert shown.errors == ["student-abcdef.py: SyntaxError"]
    assert shown.items[0].feedback == ["in hw9/student-abcdef.py"]
    assert shown.items[0].checks[0].messages == ["student-abcdef.py line 2"]
    assert shown.notes == ["adam optimiser; ada-lovelace; ada_b"]  # other words that contain the id stay
    assert shown.stdout == "I am ada"  # the student's own text is left alone
    assert doc.student == "ada" and doc.submission_path == "hw9/ada.py"  # the original is unchanged
    assert shown.score == doc.score and shown.items[0].status == doc.items[0].status


# --------------------------------------------------------------------------- pages and files


def test_no_real_id_in_anonymised_pages_or_file_names(out):
    written = write_reports(out / "results", out / "reports", anonymise=True, salt=SALT)
    names = pseudonyms(IDS, SALT)
    assert _leaks(out / "reports") == []
    assert _files(out / "reports") == sorted(
        [f"hw9/{names[s]}.html" for s in IDS] + ["hw9/index.html", f"hw10/{names['bob']}.html", "hw10/index.html"])
    assert sorted(str(p.relative_to(out / "reports")) for p in written) == _files(out / "reports")
    # the same student has the same pseudonym in every assignment; the test can fail: the plain run leaks
    write_reports(out / "results", out / "plain")
    assert {s for _, s in _leaks(out / "plain")} == set(IDS)


def test_anonymised_pages_show_the_pseudonym_in_titles_headings_and_links(out):
    write_reports(out / "results", out / "reports", anonymise=True, salt=SALT)
    names = pseudonyms(IDS, SALT)
    page = (out / "reports" / "hw9" / f"{names['bob']}.html").read_text(encoding="utf-8")
    assert f"<title>hw9: {names['bob']} (" in page and parse(page).find("h1").text() == names["bob"]
    assert f"hw9/{names['bob']}.py" in page  # the submission path, with the id replaced
    overview = parse((out / "reports" / "hw9" / "index.html").read_text(encoding="utf-8"))
    rows = overview.find("table", cls="overview").find("tbody").find_all("tr")
    assert [r.attrs["data-student"] for r in rows] == sorted(names.values())  # ordered by pseudonym, not by id
    links = [a.attrs["href"] for a in overview.find_all("a")]
    assert f"{names['bob']}.html" in links
    assert all((out / "reports" / "hw9" / href).is_file() for href in links)
    mc = overview.find("li", data_misconception="sign_flip")
    assert [a.text() for a in mc.find_all("a")] == [names["bob"]]


def test_mapping_is_written_outside_reports(out):
    write_reports(out / "results", out / "reports", anonymise=True, salt=SALT)
    mapping = out / MAPPING_FILE
    assert MAPPING_FILE not in _files(out / "reports") and mapping.is_file()
    with mapping.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["student"]: r["pseudonym"] for r in rows} == pseudonyms(IDS, SALT)
    assert [r["student"] for r in rows] == sorted(IDS)


def test_plain_run_writes_no_mapping_and_pages_as_before(out):
    written = write_reports(out / "results", out / "reports")
    assert not (out / MAPPING_FILE).exists()
    assert [p.name for p in written] == ["ada_lovelace.html", "bob.html", "carl-gauss.html", "index.html",
                                         "bob.html", "index.html"]
    docs = {(d["assignment"], d["student"]): d for d in load_results(out / "results")}
    page = (out / "reports" / "hw9" / "bob.html").read_text(encoding="utf-8")
    assert page == render_student_report(docs[("hw9", "bob")])


def test_pseudonyms_are_stable_across_runs_and_change_with_the_salt(out):
    write_reports(out / "results", out / "a", anonymise=True, salt=SALT)
    write_reports(out / "results", out / "b", anonymise=True, salt=SALT)
    assert _files(out / "a") == _files(out / "b")
    for name in _files(out / "a"):
        assert (out / "a" / name).read_bytes() == (out / "b" / name).read_bytes()
    write_reports(out / "results", out / "b", anonymise=True, salt="spring-2027")
    other = pseudonyms(IDS, "spring-2027")
    assert set(other.values()).isdisjoint(pseudonyms(IDS, SALT).values())
    # the old salt's pages are gone: only this run's names remain
    assert _files(out / "b") == sorted(
        [f"hw9/{other[s]}.html" for s in IDS] + ["hw9/index.html", f"hw10/{other['bob']}.html", "hw10/index.html"])


def test_switching_modes_removes_the_other_naming(out):
    reports = out / "reports"
    write_reports(out / "results", reports)
    plain = _files(reports)
    write_reports(out / "results", reports, anonymise=True, salt=SALT)
    assert _leaks(reports) == [] and not set(plain) & set(_files(reports)) - {"hw9/index.html", "hw10/index.html"}
    write_reports(out / "results", reports)
    assert _files(reports) == plain
    assert not any(is_pseudonym(p.stem) for p in reports.rglob("*.html"))


def test_plain_run_keeps_pages_of_removed_students_but_an_anonymised_run_does_not(out):
    reports = out / "reports"
    write_reports(out / "results", reports)
    bob = out / "results" / "hw10" / "bob.json"
    bob.with_name("zoe.json").write_text(bob.read_text(encoding="utf-8").replace("bob", "zoe"), encoding="utf-8")
    bob.unlink()
    write_reports(out / "results", reports)
    assert (reports / "hw10" / "bob.html").is_file()  # as before: a plain run deletes no id page
    write_reports(out / "results", reports, anonymise=True, salt=SALT)
    assert not (reports / "hw10" / "bob.html").exists()
    assert _leaks(reports, IDS + ["zoe"]) == []
