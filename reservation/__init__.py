"""The scheduling domain: providers, clients, appointment slots and reservations.

Models live in `models/`, writes in `services/`, reads in `selectors.py`, the timing rules in `rules.py` and
the error codes in `errors.py`. Nothing here imports GraphQL: `api/` is a thin layer on top.
"""
