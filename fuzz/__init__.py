"""Seeded, model-based differential fuzzing: the mock and a real server, request by request."""
