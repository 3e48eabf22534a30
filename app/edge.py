"""The app's edge: headers on every answer, which Host is served, and whose X-Forwarded-For
is believed."""

from functools import partial
from ipaddress import ip_address, ip_network

from flask import Flask, Response
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wsgi import get_host

from app.domain.errors import ConfigError

# Answers carry patient data and access tokens: no cache may keep them, no browser may
# guess their type, and no page may leak their URL (which holds an appointment id).
HARDENING_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def harden_headers(response: Response) -> Response:
    """after_request: every answer gets the hardening headers; no-store unless a view chose."""
    response.headers.update(HARDENING_HEADERS)
    response.headers.setdefault("Cache-Control", "no-store")
    return response


class TrustedProxy:
    """WSGI: X-Forwarded-For/-Proto are believed `hops` deep, and only from `proxies` or from
    a Unix-socket peer: the front door of `make run-public` (app/front_door.py), the one
    process that can reach the socket's 0700 directory.

    A client that reaches the server directly sends what it likes in X-Forwarded-For; its
    request keeps the address it really connected from.
    """

    def __init__(self, wsgi_app, hops: int, proxies: str):
        self._direct = wsgi_app
        self._forwarded = ProxyFix(wsgi_app, x_for=hops, x_proto=hops)
        self._networks = proxy_networks(proxies)

    def __call__(self, environ, start_response):
        app = self._forwarded if self._is_proxy(environ.get("REMOTE_ADDR")) else self._direct
        return app(environ, start_response)

    def _is_proxy(self, peer: str | None) -> bool:
        if self._networks is None or peer == "":     # gunicorn: "" for a Unix-socket peer
            return True
        try:
            address = ip_address(peer)
        except ValueError:
            return False
        return any(address in network for network in self._networks)


def proxy_networks(proxies: str) -> list | None:
    """FORWARDED_ALLOW_IPS as networks (None: `*`, any peer); a bad entry is a ConfigError."""
    if proxies.strip() == "*":
        return None
    try:
        return [ip_network(p.strip()) for p in proxies.split(",") if p.strip()]
    except ValueError as exc:
        raise ConfigError(f"FORWARDED_ALLOW_IPS: {exc}") from exc


class AllowedHosts:
    """WSGI, outermost: a request naming a Host outside the list goes straight to Flask, past
    the middlewares that may answer without it (app.api.day_answers), and Flask refuses it
    (TRUSTED_HOSTS: a 400 from the app's one error handler).

    A Host the server does not serve would otherwise reach every URL the app builds from it.
    """

    def __init__(self, wsgi_app, flask_app: Flask, hosts: list[str]):
        self._served = wsgi_app
        self._refuse = partial(Flask.wsgi_app, flask_app)
        self._hosts = hosts

    def __call__(self, environ, start_response):
        try:
            get_host(environ, self._hosts)
        except SecurityError:
            return self._refuse(environ, start_response)
        return self._served(environ, start_response)


def install_edge(app: Flask, proxy_hops: int, trusted_proxies: str,
                 allowed_hosts: list[str] | None) -> None:
    app.after_request(harden_headers)
    if proxy_hops > 0:
        app.wsgi_app = TrustedProxy(app.wsgi_app, proxy_hops, trusted_proxies)
    if allowed_hosts is not None:
        app.config["TRUSTED_HOSTS"] = allowed_hosts
        app.wsgi_app = AllowedHosts(app.wsgi_app, app, allowed_hosts)
