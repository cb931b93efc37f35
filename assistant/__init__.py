"""A question's path: retrieve, decide answerability, answer, verify citations, log needs."""
