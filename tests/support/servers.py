"""Re-export: the throw-away servers live in ``singlewindow.devservers``."""

from singlewindow.devservers import (
    NatsServer,
    PostgresServer,
    free_port,
    nats_server,
    nats_server_binary,
    postgres_server,
)

__all__ = [
    "NatsServer",
    "PostgresServer",
    "free_port",
    "nats_server",
    "nats_server_binary",
    "postgres_server",
]
