"""grader: sandboxed numerical grading of generative-model homework."""

__version__ = "0.1.0"
