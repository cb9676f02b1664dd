"""The Django part of the polyglot demo, a whole project in one file, mounted at /django.

Where it is mounted: Django builds every link from SCRIPT_NAME. FORCE_SCRIPT_NAME = '/django'
would work too, but would repeat the mount's path here, and the two could drift apart; instead
a small WSGI wrapper sets SCRIPT_NAME from X-Forwarded-Prefix, as werkzeug's ProxyFix does for
Flask, so the mount's path is written once, in app.ts. It is a wrapper and not a middleware
because Django reads SCRIPT_NAME (set_script_prefix) before any middleware runs.
Which host and scheme: USE_X_FORWARDED_HOST and SECURE_PROXY_SSL_HEADER. Trusting these
headers is right only because the server listens on loopback and switchyard, its one client,
always sets them itself (it drops any a browser sent). Run as `python3 django_app.py PORT`.
"""
import hashlib
import os
import sys

from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="polyglot-demo-only-not-secret",
    ROOT_URLCONF=__name__,
    ALLOWED_HOSTS=["localhost", ".localhost", "127.0.0.1", "[::1]"],
    USE_X_FORWARDED_HOST=True,
    SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
    INSTALLED_APPS=[],
    MIDDLEWARE=[],
    # runserver serves this module's `application` (the wrapper below).
    WSGI_APPLICATION=f"{__name__}.application",
)

from django.core.wsgi import get_wsgi_application  # noqa: E402 (needs the settings)
from django.http import HttpResponse, JsonResponse  # noqa: E402
from django.shortcuts import redirect  # noqa: E402
from django.urls import path, reverse  # noqa: E402


def home(request):
    return HttpResponse(
        "<!doctype html><title>Django</title><h1>Django, behind switchyard</h1>"
        f"<p><a href='{reverse('whoami')}'>what Django sees</a> · "
        f"<a href='{reverse('go')}'>a redirect</a> · "
        "<a href='/'>back to the home page</a></p>"
    )


def whoami(request):
    return JsonResponse(
        {
            "app": "django",
            "pid": os.getpid(),
            "host": request.get_host(),
            "scheme": request.scheme,
            "path": request.path,
            "path_info": request.path_info,
            "link": reverse("whoami"),
            "absolute": request.build_absolute_uri(),
            "home": request.build_absolute_uri(reverse("home")),
        }
    )


def go(request):
    return redirect("whoami")


def sha256(request):
    if request.method != "POST":
        return HttpResponse(status=405)
    body = request.body
    return JsonResponse({"size": len(body), "sha256": hashlib.sha256(body).hexdigest()})


urlpatterns = [
    path("", home, name="home"),
    path("whoami", whoami, name="whoami"),
    path("go", go, name="go"),
    path("sha256", sha256, name="sha256"),
]

django_application = get_wsgi_application()


def application(environ, start_response):
    prefix = environ.get("HTTP_X_FORWARDED_PREFIX", "").rstrip("/")
    if prefix:
        environ["SCRIPT_NAME"] = prefix
    return django_application(environ, start_response)


if __name__ == "__main__":
    from django.core.management import execute_from_command_line

    execute_from_command_line([sys.argv[0], "runserver", "--noreload", f"127.0.0.1:{sys.argv[1]}"])
