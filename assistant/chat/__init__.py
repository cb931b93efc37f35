"""The Chainlit chat, mounted inside the FastAPI app."""
