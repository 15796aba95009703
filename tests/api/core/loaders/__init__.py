"""Tests of api/core/loaders on their own: futures, DataLoaders and the execution context, over a schema of
plain graphql-core types (no Django, no database)."""
