"""Where the tests find the real services they talk to (Redis), so that several checkouts can test side by side.

``TEST_REDIS_SERVER`` is ``host:port`` of a Redis server the tests may flush databases of (default
127.0.0.1:6379, the one CI starts).
"""

import os


def redis_url(database: int) -> str:
    """The URL of Redis database ``database`` on the tests' Redis server."""
    server = os.environ.get("TEST_REDIS_SERVER", "127.0.0.1:6379")
    return f"redis://{server}/{database}"
