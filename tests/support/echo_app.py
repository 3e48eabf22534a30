"""The real app plus one test-only route that shows the client address the app believes."""

from flask import jsonify, request

from app import create_app as create_real_app

ECHO_APP = "tests.support.echo_app:create_app()"


def create_app():
    app = create_real_app()

    @app.get("/api/_test/client")
    def client():
        return jsonify(remote_addr=request.remote_addr, scheme=request.scheme)

    return app
