"""Who is calling: bearer tokens (ours and an OpenID Connect provider's), the viewer, permissions, rate limits."""
