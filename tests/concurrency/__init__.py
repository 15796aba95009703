"""Concurrency tests: real threads and a real gunicorn against PostgreSQL (skipped on SQLite)."""
