"""The Flask part of the polyglot demo, mounted by switchyard at /flask.

switchyard strips the mount's path and tells the app where it is with one hop of
X-Forwarded-For/-Proto/-Host/-Prefix; werkzeug's ProxyFix, trusting exactly that one hop,
turns them back into the WSGI environ, so url_for() and redirect() produce links under
/flask on the host and port the browser used. Run as `python3 flask_app.py PORT`.
"""
import hashlib
import os
import sys

from flask import Flask, jsonify, redirect, request, url_for
from werkzeug.middleware.proxy_fix import ProxyFix

app = Flask(__name__)
app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_prefix=1)


@app.get("/")
def home():
    return (
        "<!doctype html><title>Flask</title><h1>Flask, behind switchyard</h1>"
        f"<p><a href='{url_for('whoami')}'>what Flask sees</a> · "
        f"<a href='{url_for('go')}'>a redirect</a> · "
        "<a href='/'>back to the home page</a></p>"
    )


@app.get("/whoami")
def whoami():
    """What the app sees of the request once ProxyFix has read the forwarding headers."""
    return jsonify(
        app="flask",
        pid=os.getpid(),
        host=request.host,
        scheme=request.scheme,
        remote_addr=request.remote_addr,
        script_root=request.script_root,
        path=request.path,
        url=request.url,
        link=url_for("whoami"),
        external=url_for("whoami", _external=True),
    )


@app.get("/go")
def go():
    return redirect(url_for("whoami"))


@app.post("/sha256")
def sha256():
    """The body's length and digest, read in chunks as it streams in."""
    digest = hashlib.sha256()
    size = 0
    for chunk in iter(lambda: request.stream.read(65536), b""):
        digest.update(chunk)
        size += len(chunk)
    return jsonify(size=size, sha256=digest.hexdigest())


if __name__ == "__main__":
    from werkzeug.serving import run_simple

    # werkzeug's server, threaded, on loopback only: switchyard is its only client.
    run_simple("127.0.0.1", int(sys.argv[1]), app, threaded=True)
