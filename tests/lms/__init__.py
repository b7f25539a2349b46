"""Tests of the LMS exports (grader.lms) and of the 'grade export' command."""
