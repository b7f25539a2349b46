"""Course operations: the roster, the course configuration, due dates and late work."""
