"""The local cloud's server process: moto's server on 127.0.0.1, with the calls moto lacks added first.

    python -m provisioner.localcloud.server --port 4566

`provision sandbox start` runs this in the background. The extensions must be
installed in this process before it serves: moto keeps its backends in memory,
per process, and the extensions add to those backends. Every request passes the
guard first (provisioner/localcloud/guard.py): no cross-origin answer, no foreign
Host, moto's state API only with this start's token, no containers.
"""

from __future__ import annotations

import argparse
import os
import sys

HOST = "127.0.0.1"  # never a network address: the local cloud takes fixed, public test credentials


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="provisioner.localcloud.server", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True, help="TCP port on 127.0.0.1")
    args = parser.parse_args(argv)
    # The start token is this process's alone: read, then removed from the environment children would inherit.
    from provisioner.localcloud.guard import TOKEN_ENV

    token = os.environ.pop(TOKEN_ENV, "")
    os.environ["MOTO_DISABLE_GLOBAL_CORS"] = "true"  # read when moto is first imported: no flask-cors at all

    from moto import server

    from provisioner.localcloud.guard import refuse_containers
    from provisioner.localcloud.services import install

    refuse_containers()
    _log_operations(token)
    added = install()
    print(f"local cloud: moto extensions installed: {', '.join(added) or 'none'}", flush=True)
    print(f"local cloud: serving on http://{HOST}:{args.port} (state in memory, lost on stop)", flush=True)
    server.main(["-H", HOST, "-p", str(args.port)])


def _log_operations(token: str) -> None:
    """Name each request's operation, caller and SDK attempt in the server log, in werkzeug's access line.

    werkzeug logs `POST / HTTP/1.1 400` for every JSON- and query-protocol call; which operation failed, who
    made it, and whether the caller's SDK was retrying it (`amz-sdk-request: attempt=2; max=3`, with the
    invocation id that pairs a retry with its first attempt), is what a failed apply on the local cloud needs
    to be understood. A line reads

        "POST /" 400 sagemaker.DescribePipeline attempt=1;max=3 <invocation id> provider

    with the operation as `service.Operation` (botocore's service name: provisioner/localcloud/operations.py
    tells it from the signature, the target header, the form's Action, or the REST path) and the caller
    (`provider`, `provision`, `sdk`; `@<exec-env>` when the SDK's AWS_EXECUTION_ENV tags the run).
    `provision sandbox coverage` and the e2e tier read the same names.

    The same wrapper puts the guard (provisioner/localcloud/guard.py, with this start's TOKEN) in front of
    moto, after the form is read, so a refused request is logged under its own operation.
    """
    import io
    import threading
    from urllib.parse import parse_qs

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler

    from provisioner.localcloud.guard import closed
    from provisioner.localcloud.operations import identify

    current = threading.local()  # werkzeug serves each request, and logs it, on one thread
    dispatch = DomainDispatcherApplication.__call__

    def call(self, environ, start_response):  # type: ignore[no-untyped-def]
        current.action = None
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded") and 0 < length <= 1 << 20:
            body = environ["wsgi.input"].read(length)
            environ["wsgi.input"] = io.BytesIO(body)  # moto reads the same bytes
            action = parse_qs(body.decode("utf-8", "replace")).get("Action")
            current.action = action[0] if action else None
        return closed(lambda env, respond: dispatch(self, env, respond), token, identify)(environ, start_response)

    def log_request(self, code="-", size="-") -> None:  # type: ignore[no-untyped-def]
        path = getattr(self, "path", "-")
        try:
            found = identify(self.command, path, dict(self.headers), getattr(current, "action", None))
            operation, by = found.name, found.by
        except Exception:  # noqa: BLE001 - a request the log cannot name is still logged
            operation, by = "-", "-"
        attempt = (self.headers.get("amz-sdk-request") or "-").replace(" ", "")
        invocation = self.headers.get("amz-sdk-invocation-id") or "-"
        self.log("info", '"%s %s" %s %s %s %s %s', self.command, path, code, operation, attempt, invocation, by)

    DomainDispatcherApplication.__call__ = call
    MotoRequestHandler.log_request = log_request


if __name__ == "__main__":
    main(sys.argv[1:])
