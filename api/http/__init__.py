"""The HTTP edge: the endpoints and the checks a request meets before GraphQL runs."""
