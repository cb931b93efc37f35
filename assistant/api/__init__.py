"""The HTTP face of the assistant: one FastAPI app for API, chat and analyst page."""
