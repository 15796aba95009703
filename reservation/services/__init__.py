"""Writes: each function owns its transaction and raises `DomainError` when a rule refuses the change."""
