"""GraphQL mutations, one module per entity. Each validates input, calls one domain service, shapes the payload."""
