"""The local cloud's server process: moto's server on 127.0.0.1, with the calls moto lacks added first.

    python -m provisioner.localcloud.server --port 4566

`provision sandbox start` runs this in the background. The extensions must be
installed in this process before it serves: moto keeps its backends in memory,
per process, and the extensions add to those backends.
"""

from __future__ import annotations

import argparse
import sys

HOST = "127.0.0.1"  # never a network address: the local cloud takes fixed, public test credentials


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="provisioner.localcloud.server", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True, help="TCP port on 127.0.0.1")
    args = parser.parse_args(argv)

    from moto import server

    from provisioner.localcloud.moto_extensions import install

    _log_operations()
    added = install()
    print(f"local cloud: moto extensions installed: {', '.join(added) or 'none'}", flush=True)
    print(f"local cloud: serving on http://{HOST}:{args.port} (state in memory, lost on stop)", flush=True)
    server.main(["-H", HOST, "-p", str(args.port)])


def _log_operations() -> None:
    """Name each request's operation and SDK attempt in the server log, in werkzeug's access line.

    werkzeug logs `POST / HTTP/1.1 400` for every JSON-protocol call; which operation failed, and
    whether the caller's SDK was retrying it (`amz-sdk-request: attempt=2; max=3`), is what a failed
    apply on the local cloud needs to be understood.
    """
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    def log_request(self, code="-", size="-") -> None:  # type: ignore[no-untyped-def]
        operation = self.headers.get("X-Amz-Target") or "-"
        attempt = (self.headers.get("amz-sdk-request") or "-").replace(" ", "")
        invocation = self.headers.get("amz-sdk-invocation-id") or "-"
        self.log("info", '"%s %s" %s %s %s %s', self.command, getattr(self, "path", "-"), code, operation, attempt,
                 invocation)

    MotoRequestHandler.log_request = log_request


if __name__ == "__main__":
    main(sys.argv[1:])
