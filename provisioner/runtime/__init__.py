"""The tool's own runtime: where it finds what it ships and installs, and whether a machine is ready.

`locations.py` names every path the tool does not get from the user (package data, the user cache of
`user_cache.py`); `node.py` finds a Node.js jsii supports; `runtimes.py` says what `provision doctor`
reports about the runtimes besides Python and how `doctor --fix` installs them; `versions.py` is
`provision --version`; `readiness.py` is the result type of `doctor` and `preflight`. Nothing here
assumes this project's checkout: `provision` runs from an installed wheel in the user's own repository.
"""
