"""Safe reading: every hostile entry is refused with a message, safe ones are kept, nothing raises."""

from __future__ import annotations

import io
import os
import struct
import zipfile

import pytest

from grader.collect.extract import ExtractLimits, read_folder, read_source, read_zip, unsafe_name
from grader.errors import UsageError
from tests.collect.archives import write_folder, write_zip

SAFE = {"lovelaceada_4101_1_hw.py": "x = 1\n"}


def _refused(listing, fragment):
    return [m for m in listing.refused if fragment in m]


@pytest.mark.parametrize("name, why", [
    ("../evil.py", "'..'"), ("a/../../evil.py", "'..'"), ("..\\evil.py", "'..'"),
    ("/etc/evil.py", "absolute"), ("\\evil.py", "absolute"), ("C:/evil.py", "drive letter"),
    ("c:evil.py", "drive letter"), ("a//b.py", "empty"), ("./a.py", "'.'"), ("a\x00.py", "NUL"),
])
def test_unsafe_names_are_named(name, why):
    assert why in unsafe_name(name)


@pytest.mark.parametrize("name", ["a.py", "dir/sub/a.py", "Ada Lovelace_12_assignsubmission_file_/x.py",
                                  "a..b.py", "..hidden_but_not_parent.py"])
def test_safe_names_pass(name):
    assert unsafe_name(name) is None


@pytest.mark.parametrize("bad", ["../evil.py", "/abs/evil.py", "C:/evil.py", "x/../../evil.py"])
def test_escaping_zip_entries_are_refused_and_the_rest_read(tmp_path, bad):
    listing = read_zip(write_zip(tmp_path / "d.zip", {**SAFE, bad: "boom"}))
    assert listing.names() == list(SAFE)
    assert len(listing.refused) == 1 and bad in listing.refused[0]


def test_symlink_entry_is_refused_but_a_regular_file_is_not(tmp_path):
    listing = read_zip(write_zip(tmp_path / "d.zip", SAFE, links={"link.py": "/etc/passwd"}))
    assert listing.names() == list(SAFE)
    assert _refused(listing, "symbolic link") and "link.py" in listing.refused[0]


@pytest.mark.parametrize("name, data", [
    ("inner.zip", b"not even a zip"),                      # by suffix
    ("sneaky.py", None),                                   # by content: a real zip named .py
    ("data.tar.gz", b"\x1f\x8b\x08rest"),
    ("notes.py", b"\x1f\x8b\x08gzip data"),
    ("x.7z", b"7z\xbc\xaf\x27\x1c"),
    ("y.rar", b"Rar!\x1a\x07\x00"),
])
def test_nested_archives_are_refused(tmp_path, name, data):
    if data is None:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("inner.py", "pass\n")
        data = buf.getvalue()
    listing = read_zip(write_zip(tmp_path / "d.zip", {**SAFE, name: data}))
    assert listing.names() == list(SAFE)
    assert _refused(listing, "nested archive")


def test_plain_code_is_not_taken_for_an_archive(tmp_path):
    files = {"a.py": "import zipfile\n", "b.ipynb": '{"cells": []}', "c.txt": "PK is fine mid-file PK\x03\x04"}
    listing = read_zip(write_zip(tmp_path / "d.zip", files))
    assert listing.names() == list(files) and listing.refused == []


def test_declared_oversize_entry_is_refused_before_reading(tmp_path):
    limits = ExtractLimits(max_file_bytes=1000)
    listing = read_zip(write_zip(tmp_path / "d.zip", {**SAFE, "big.py": "x" * 1001}), limits)
    assert listing.names() == list(SAFE)
    assert _refused(listing, "declared size")
    ok = read_zip(write_zip(tmp_path / "e.zip", {"fits.py": "x" * 1000}), limits)
    assert ok.names() == ["fits.py"] and ok.refused == []


def _lie_about_size(raw: bytes, name: bytes, fake: int) -> bytes:
    """Rewrite the uncompressed size of ``name`` in the local header and central directory."""
    data = bytearray(raw)
    local = data.find(b"PK\x03\x04" + b"")
    while local != -1:
        n = struct.unpack_from("<H", data, local + 26)[0]
        if bytes(data[local + 30: local + 30 + n]) == name:
            struct.pack_into("<I", data, local + 22, fake)
        local = data.find(b"PK\x03\x04", local + 4)
    central = data.find(b"PK\x01\x02")
    while central != -1:
        n = struct.unpack_from("<H", data, central + 28)[0]
        if bytes(data[central + 46: central + 46 + n]) == name:
            struct.pack_into("<I", data, central + 24, fake)
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


def test_an_entry_whose_declared_size_lies_is_refused(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as z:
        z.writestr("ok.py", "fine\n")
        z.writestr("bomb.py", "x" * 5000)
    path = tmp_path / "lie.zip"
    path.write_bytes(_lie_about_size(buf.getvalue(), b"bomb.py", 10))
    listing = read_zip(path, ExtractLimits(max_file_bytes=100))
    assert listing.names() == ["ok.py"]
    assert len(listing.refused) == 1 and "bomb.py" in listing.refused[0]


def test_bytes_are_counted_against_the_total_limit_while_reading(tmp_path):
    files = {f"f{i}.py": "x" * 400 for i in range(5)}
    listing = read_zip(write_zip(tmp_path / "d.zip", files), ExtractLimits(max_total_bytes=1000))
    assert listing.names() == ["f0.py", "f1.py"]
    assert len(_refused(listing, "total limit")) == 3
    whole = read_zip(write_zip(tmp_path / "e.zip", files), ExtractLimits(max_total_bytes=2000))
    assert len(whole.entries) == 5 and whole.refused == []


def test_too_many_entries_are_refused_in_one_message(tmp_path):
    files = {f"f{i}.py": "" for i in range(30)}
    listing = read_zip(write_zip(tmp_path / "d.zip", files), ExtractLimits(max_entries=10))
    assert len(listing.entries) == 10
    assert listing.refused == ["20 entries beyond the limit of 10 entries were not read (is this a zip bomb?)"]
    assert read_zip(write_zip(tmp_path / "e.zip", files), ExtractLimits(max_entries=30)).refused == []


def test_duplicate_names_keep_the_first(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z, pytest.warns(UserWarning):
        z.writestr("a.py", "first")
        z.writestr("a.py", "second")
    (tmp_path / "d.zip").write_bytes(buf.getvalue())
    listing = read_zip(tmp_path / "d.zip")
    assert [e.data for e in listing.entries] == [b"first"] and _refused(listing, "appears twice")


def test_directories_and_macos_metadata_are_skipped_not_refused(tmp_path):
    listing = read_zip(write_zip(tmp_path / "d.zip", {"dir/": "", "__MACOSX/._a.py": "junk", "dir/.DS_Store": "",
                                                    "dir/a.py": "pass"}))
    assert listing.names() == ["dir/a.py"] and listing.refused == []
    assert sorted(listing.skipped) == ["__MACOSX/._a.py", "dir/", "dir/.DS_Store"]


def test_encrypted_entries_are_refused(tmp_path):
    raw = bytearray(write_zip(tmp_path / "d.zip", {"secret.py": "x"}).read_bytes())
    for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = raw.find(sig)
        raw[at + off] |= 0x1
    (tmp_path / "d.zip").write_bytes(bytes(raw))
    listing = read_zip(tmp_path / "d.zip")
    assert listing.entries == [] and _refused(listing, "encrypted")


def test_folder_source_refuses_links_archives_and_oversize(tmp_path):
    root = write_folder(tmp_path / "dl", {"a.py": "pass", "sub/b.py": "pass", "big.py": "x" * 2000,
                                          "inner.zip": "zz"})
    outside = write_folder(tmp_path / "outside", {"secret.py": "s"})
    os.symlink(outside / "secret.py", root / "link.py")
    os.symlink(outside, root / "linkdir")
    listing = read_folder(root, ExtractLimits(max_file_bytes=1000))
    assert listing.names() == ["a.py", "sub/b.py"]
    assert len(listing.refused) == 4
    for fragment in ("link.py: refused, it is a symbolic link", "linkdir/: refused", "big.py: refused",
                     "inner.zip: refused"):
        assert any(fragment in m for m in listing.refused), fragment


def test_read_source_tells_zip_from_folder_and_refuses_anything_else(tmp_path):
    assert read_source(write_zip(tmp_path / "any.name", SAFE)).kind == "zip"
    assert read_source(write_folder(tmp_path / "f", SAFE)).kind == "folder"
    (tmp_path / "plain.zip").write_text("not a zip")
    with pytest.raises(UsageError, match="neither a zip archive nor a folder"):
        read_source(tmp_path / "plain.zip")
    with pytest.raises(UsageError, match="does not exist"):
        read_source(tmp_path / "missing.zip")
