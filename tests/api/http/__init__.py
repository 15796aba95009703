"""Tests of api/http: the HTTP edge (the edge's own checks are in tests/security)."""
