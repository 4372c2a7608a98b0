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

    added = install()
    print(f"local cloud: moto extensions installed: {', '.join(added) or 'none'}", flush=True)
    print(f"local cloud: serving on http://{HOST}:{args.port} (state in memory, lost on stop)", flush=True)
    server.main(["-H", HOST, "-p", str(args.port)])


if __name__ == "__main__":
    main(sys.argv[1:])
