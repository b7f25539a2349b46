"""Collect stage: turn an LMS bulk download into ``submissions/<assignment>/``.

``grade collect`` reads a zip archive or an unpacked folder (Canvas "Download
Submissions", Gradescope "Export Submissions", a Moodle assignment download,
or a plain folder in the layout ``grade run`` reads), refuses unsafe entries,
maps each file to a student (through the roster when one is given) and writes
``INTO/<assignment>/<student>.<ext>`` (or ``<student>/`` for several files)
plus ``INTO/<assignment>/index.csv``.

One module per job: :mod:`~grader.collect.extract` (safe reading),
:mod:`~grader.collect.canvas`, :mod:`~grader.collect.gradescope`,
:mod:`~grader.collect.moodle`, :mod:`~grader.collect.folder` (one parser per
platform), :mod:`~grader.collect.detect` (``--from auto``),
:mod:`~grader.collect.write` (files and index) and :mod:`~grader.collect.run`
(the whole command). The naming rules and where each was checked are in
``docs/lms-formats.md``. This package imports none of its modules, so that
they may import each other without a cycle.
"""
