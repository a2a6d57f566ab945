"""The machine's own services, as tests that need them see them."""

import socket


def redis_available(host: str = "127.0.0.1", port: int = 6379) -> bool:
    """Whether a Redis server answers on this address (tests that need one skip otherwise)."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False
