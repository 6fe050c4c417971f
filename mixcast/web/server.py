"""Running the web app: bind checks (a token beyond this machine) and uvicorn."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from mixcast.errors import UserError

LOOPBACK_NAMES = ("localhost",)


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and 'localhost'."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse to serve beyond this machine without an access token.

    Raises
    ------
    UserError
        When ``host`` is not a loopback address and ``token`` is empty.
    """
    if not is_loopback(host) and not token:
        raise UserError(f"Refusing to bind to {host} without an access token: anyone who can "
                        "reach this machine could read your runs. Pass --token T (or set "
                        "MIXCAST_TOKEN), or bind to 127.0.0.1.")
    if token is not None and len(token) < 8:
        raise UserError("The access token must be at least 8 characters. Got "
                        f"{len(token)} instead.")


def allowed_hosts(host: str) -> tuple[str, ...] | None:
    """Host headers accepted: on loopback only loopback names (DNS rebinding); elsewhere
    any (the token guards the server there, and a reverse proxy may rename the host)."""
    from mixcast.web.security import LOOPBACK_HOSTS

    return tuple(dict.fromkeys((*LOOPBACK_HOSTS, host.strip("[]").lower()))) \
        if is_loopback(host) else None


def serve(*, runs_dir: Path | None = None, registry: str | None = None,
          host: str = "127.0.0.1", port: int = 8000, token: str | None = None) -> None:
    """Check the bind, build the app and serve it until interrupted."""
    import uvicorn

    from mixcast.web.app import create_app

    check_bind(host, token)
    app = create_app(runs_dir, registry=registry, token=token,
                     allowed_hosts=allowed_hosts(host))
    uvicorn.run(app, host=host, port=port, log_level="warning")
