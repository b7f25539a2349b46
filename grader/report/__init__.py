"""Render stage: HTML reports from recorded results."""
