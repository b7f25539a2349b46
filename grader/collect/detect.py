"""``--from auto``: decide a download's platform from its entry names, and say why.

In order: a ``submission_metadata.yml`` means Gradescope; entries in
``<Full Name>_<id>_assignsubmission_<plugin>`` folders (or with that prefix)
mean Moodle; file names shaped ``<name>_[late_]<user id>_<attachment id>_<file>``
mean Canvas; anything else is read as a plain folder. Moodle and Canvas need
at least half of the files to follow their rule, so that one odd file name
does not decide the platform.
"""

from __future__ import annotations

from grader.collect import canvas, gradescope, moodle
from grader.collect.model import Listing

__all__ = ["FORMATS", "detect"]

#: The values of ``--from`` besides ``auto``.
FORMATS = ("canvas", "gradescope", "moodle", "folder")


def detect(listing: Listing) -> tuple[str, str]:
    """The platform of a download and the reason, e.g. ``("canvas", "13 of 14 files are named ...")``.

    Parameters
    ----------
    listing : Listing
        The checked entries.

    Returns
    -------
    (str, str)
        One of :data:`FORMATS`, and a sentence saying what decided it.
    """
    meta = gradescope.find_metadata(listing)
    if meta is not None:
        return "gradescope", f"found Gradescope's {meta.name}"
    total = len(listing.entries)
    if total == 0:
        return "folder", "the download holds no readable files"
    in_moodle = sum(1 for e in listing.entries if moodle.locate(e) is not None)
    if 2 * in_moodle >= total:
        return "moodle", (f"{in_moodle} of {total} files are in Moodle participant folders "
                          "(<Full Name>_<id>_assignsubmission_<plugin>)")
    in_canvas = sum(1 for e in listing.entries if canvas.parse_name(e.basename) is not None)
    if 2 * in_canvas >= total:
        return "canvas", (f"{in_canvas} of {total} files are named like Canvas downloads "
                          "(<name>_[late_]<user id>_<attachment id>_<file>)")
    return "folder", ("no Gradescope metadata, Moodle folders or Canvas file names: read as a folder of "
                      "<student>.py, <student>.ipynb or <student>/")
