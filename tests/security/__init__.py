"""Security tests: deployment checks, HTTPS, authentication hardening, and the GraphQL edge (query limits, media
types and batches, persisted queries, production's introspection and suggestions)."""
