"""Sub-commands of ``grade`` that live in their own modules (registered in :mod:`grader.cli`)."""
