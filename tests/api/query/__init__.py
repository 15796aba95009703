"""Tests of api/query: the types and root fields through /graphql."""
