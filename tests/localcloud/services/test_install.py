"""install() and the documentation of what it adds: the registry of provisioner/localcloud/services/."""

from __future__ import annotations

import re

import pytest

from .roundtrip import PROJECT_ROOT

pytestmark = pytest.mark.moto


def test_install_is_idempotent_and_reports_every_documented_operation():
    from provisioner.localcloud.services import OPERATIONS, install

    # GIVEN this process's moto (the same version the server runs)
    # WHEN the extensions are installed twice
    first, second = install(), install()
    # THEN the second call adds nothing new, and the list is exactly the documented table
    assert first == second
    assert sorted(first) == sorted(f"{service}:{operation}" for service, operation, _ in OPERATIONS)
    assert len(set(first)) == len(first)


def test_docs_list_every_added_operation():
    from provisioner.localcloud.services import install

    # GIVEN the operations install() adds
    added = set(install())
    # WHEN the documentation's table is read
    doc = (PROJECT_ROOT / "docs" / "local-cloud-extensions.md").read_text()
    documented = {f"{s}:{o}" for s, o in re.findall(r"^\| `([a-z0-9-]+)` \| `([A-Za-z]+)` \|", doc, re.MULTILINE)}
    # THEN every added operation is documented, and nothing more
    assert documented == added


def test_docs_list_every_extended_native_call():
    from provisioner.localcloud.services import EXTENDED

    # GIVEN the native moto calls whose behaviour the extensions change
    # WHEN the documentation's second table is read
    doc = (PROJECT_ROOT / "docs" / "local-cloud-extensions.md").read_text()
    documented = set(re.findall(r"^\| ([a-z0-9-]+) \| ([^|]+?) \| ([^|]+?) \|$", doc, re.MULTILINE))
    # THEN each change is documented with its reason
    assert set(EXTENDED) <= documented


def test_every_added_operation_exists_in_the_botocore_model():
    import botocore.session

    from provisioner.localcloud.services import install

    # GIVEN the botocore models boto3 uses
    models = botocore.session.get_session()
    # WHEN each added operation is looked up in its service's model
    for entry in install():
        service, operation = entry.split(":")
        # THEN the service knows it (a typo would never be dispatched)
        assert operation in models.get_service_model(service).operation_names, entry


def test_every_service_module_names_what_it_adds_and_corrects_in_its_docstring():
    from provisioner.localcloud.services import SERVICES

    # GIVEN the service modules and the operations each declares added or corrected
    for module in SERVICES:
        named = {entry.operation for entry in module.OPERATIONS}
        for entry in module.EXTENDED:
            named |= set(re.findall(r"[A-Z][A-Za-z0-9]+", entry.operations))
        # WHEN its docstring is read  THEN it names each of them (a reader finds them by opening one file)
        assert module.__doc__ and named, module.__name__
        missing = sorted(name for name in named if name not in module.__doc__)
        assert missing == [], f"{module.__name__}: its docstring does not name {missing}"


def test_graft_adds_what_moto_lacks_leaves_what_it_has_and_wraps_or_replaces_what_is_marked():
    from provisioner.localcloud.services._moto import corrects, graft, replaces, state

    class Moto:  # stands in for a moto class: pure Python, so the rule is seen alone
        def native(self):
            return "moto"

        def wrapped(self, x):
            return f"moto {x}"

        def replaced(self):
            return "moto"

    class Mixin:
        store = state(list)

        def native(self):
            return "ours"

        def added(self):
            return "ours"

        @corrects
        def wrapped(self, moto_wrapped, x):
            return f"corrected {moto_wrapped(self, x)}"

        @replaces
        def replaced(self):
            return "ours"

    # GIVEN a class with three methods and a mixin naming them, one method more and some state
    # WHEN the mixin is grafted
    added = graft(Moto, Mixin)
    one, two = Moto(), Moto()
    # THEN what the class lacked is added and reported; what it had is left alone; the marked ones wrap or replace
    assert sorted(added) == ["added", "store"]
    assert (one.native(), one.added(), one.wrapped(1), one.replaced()) == ("moto", "ours", "corrected moto 1", "ours")
    # AND state is per instance, made on first use, in the instance's __dict__ (which moto's reset empties)
    one.store.append("x")
    assert (one.store, two.store, one.__dict__["store"]) == (["x"], [], ["x"])
