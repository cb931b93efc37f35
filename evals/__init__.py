"""Evaluation datasets (immutable, versioned) and the harness that scores the assistant."""
