"""Run the grader as a Gradescope autograder, and write Gradescope's ``results.json``.

One module per job:

* :mod:`grader.gradescope.results_json`: a result document (and its rubric
  visibility) to the ``results.json`` object of Gradescope's specification;
  :mod:`grader.gradescope.markdown` formats its text.
* :mod:`grader.gradescope.metadata`: ``submission_metadata.json`` (submitter,
  due dates), read tolerantly.
* :mod:`grader.gradescope.submission`: the file the student uploaded, found
  in ``$AUTOGRADER_ROOT/submission/``.
* :mod:`grader.gradescope.config`: the bundle's ``gradescope.json`` (which
  assignment, the sandbox limits sized for Gradescope's container).
* :mod:`grader.gradescope.autograder`: what ``run_autograder`` runs; writes a
  ``results.json`` for every outcome.
* :mod:`grader.gradescope.bundle` and :mod:`grader.gradescope.scripts`: the
  ``autograder.zip`` (``setup.sh``, ``run_autograder``, a source copy of the
  project, the rubric).
* :mod:`grader.gradescope.export`: ``results.json`` files from recorded
  results (``grade export --format gradescope``).

The specification followed is Gradescope's "Autograder Specifications"
(https://gradescope-autograders.readthedocs.io/en/latest/specs/, see
``docs/gradescope.md`` for the version and what was checked).
"""
