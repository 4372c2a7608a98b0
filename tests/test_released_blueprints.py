"""A released blueprint version is never edited in place: blueprints/RELEASED.sha256 records each one."""

from provisioner.catalog.loader import Catalog, checksum, read_lock, shipped_blueprints_dir


def test_every_release_is_recorded_and_unchanged():
    # GIVEN the shipped blueprints and the lock of released versions
    folder = shipped_blueprints_dir()
    lock = read_lock(folder)
    for entry in Catalog([folder]).all():
        if "-" in entry.blueprint.version:
            continue  # pre-releases may still change
        # THEN each release is recorded (run `python -m provisioner.catalog.loader --lock` when releasing)
        assert entry.blueprint.ref in lock, f"{entry.blueprint.ref} is not recorded in RELEASED.sha256"
        # AND its file is exactly what was released: publish changes as a new version instead
        assert checksum(entry.path) == lock[entry.blueprint.ref], (
            f"{entry.path} changed after its release; put the change in a new version file")


def test_fails_when_a_released_blueprint_is_edited(tmp_path):
    # GIVEN a released blueprint recorded in a lock
    import shutil

    from provisioner.catalog.loader import write_lock

    shutil.copytree(shipped_blueprints_dir() / "gpu-training", tmp_path / "gpu-training")
    write_lock(tmp_path)
    path = tmp_path / "gpu-training" / "1.0.0.yaml"
    # WHEN it is edited in place
    path.write_text(path.read_text().replace("default: 24", "default: 12"))
    # THEN its checksum no longer matches, and re-locking does not paper over it
    write_lock(tmp_path)
    assert checksum(path) != read_lock(tmp_path)["gpu-training@1.0.0"]
