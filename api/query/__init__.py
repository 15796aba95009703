"""GraphQL object types and root query fields, one module per entity."""
