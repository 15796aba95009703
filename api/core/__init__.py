"""GraphQL plumbing shared by every type: IDs, connections, loaders, filters, sorting, errors, mutations."""
