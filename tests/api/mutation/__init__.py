"""Tests of api/mutation: every mutation through /graphql, as a client sends it."""
