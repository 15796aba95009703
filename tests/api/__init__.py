"""Tests of api/: the GraphQL layer, mirrored module by module (core/, query/, mutation/, http/)."""
