"""The GraphQL layer: schema, queries, mutations, DataLoaders and the view. Thin: the rules live in `reservation`."""
