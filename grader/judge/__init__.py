"""Judge stage: check kinds, comparison, statistical tests, diagnosis."""
