"""Under CI (``CI`` set, as .ci/run exports it) a missing snapshot fails instead of being written, and a missing
real part fails instead of skipping (issue 11)."""

import pytest

from tests.examples import test_examples
from tests.services import missing


def test_a_missing_snapshot_fails_under_ci(monkeypatch, tmp_path):
    monkeypatch.setenv("CI", "1")
    monkeypatch.setattr(test_examples, "SNAPSHOTS_DIR", tmp_path)

    with pytest.raises(pytest.fail.Exception, match="under CI snapshots are compared, never written"):
        test_examples.assert_matches_snapshot("99_nothing", {"data": {}})
    assert not list(tmp_path.iterdir())


def test_update_snapshots_fails_under_ci(monkeypatch, tmp_path):
    monkeypatch.setenv("CI", "1")
    monkeypatch.setenv("UPDATE_SNAPSHOTS", "1")
    monkeypatch.setattr(test_examples, "SNAPSHOTS_DIR", tmp_path)
    (tmp_path / "01_x.json").write_text('{"data": {}}\n')

    with pytest.raises(pytest.fail.Exception):
        test_examples.assert_matches_snapshot("01_x", {"data": {"changed": True}})
    assert (tmp_path / "01_x.json").read_text() == '{"data": {}}\n'


def test_a_missing_snapshot_is_written_outside_ci(monkeypatch, tmp_path):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(test_examples, "SNAPSHOTS_DIR", tmp_path)

    with pytest.warns(test_examples.SnapshotWritten):
        test_examples.assert_matches_snapshot("99_new", {"data": {}})
    assert (tmp_path / "99_new.json").exists()


@pytest.mark.parametrize(("ci", "outcome"), [("1", pytest.fail.Exception), ("", pytest.skip.Exception)])
def test_a_missing_part_fails_under_ci_and_skips_otherwise(monkeypatch, ci, outcome):
    monkeypatch.setenv("CI", ci)

    with pytest.raises(outcome):
        missing("nginx")
