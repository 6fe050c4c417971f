"""The dashboard and REST API over saved runs: ``create_app`` and ``serve``."""

from mixcast.web.app import create_app
from mixcast.web.server import check_bind, serve

__all__ = ["check_bind", "create_app", "serve"]
