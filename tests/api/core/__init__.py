"""Tests of api/core: the GraphQL plumbing shared by every type."""
