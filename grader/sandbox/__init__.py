"""Code that runs inside the sandbox child (and the wire format it shares with the grader)."""
