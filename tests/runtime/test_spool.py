"""The job spool's files: ids that name only job folders, the owner lock, orphaned and expired jobs (real files, real flocks)."""

import os
import time

import pytest

from rnnlab.runtime.jobs import Event, NoSuchJob
from rnnlab.runtime.spool import SERVER_GONE, Spool, make_temp_spool, remove_temp_spool

INFO = {"experiment": "fake-counter", "learner_id": "ada", "class_code": None, "started": 0.0,
        "server_pid": 1, "worker_pid": None}


@pytest.fixture
def spool(tmp_path):
    return Spool(tmp_path / "spool")


def make(spool: Spool, job_id: str):
    with spool.locked():
        return spool.create(job_id, INFO)


@pytest.mark.parametrize("job_id", ["..", ".", ".new-abc", "a/b", "a" * 65, "", "nope"])
def test_only_the_name_of_an_existing_job_folder_finds_a_job(spool, job_id):
    make(spool, "abc")
    with pytest.raises(NoSuchJob):
        spool.job(job_id)
    assert spool.job("abc").info() == INFO


def test_a_job_is_running_while_its_owner_holds_the_lock_and_orphaned_once_it_lets_go_without_an_end(spool):
    files, owner_lock = make(spool, "abc")
    with spool.locked():
        assert spool.running(keep_s=60) == [INFO]
    assert files.owner_alive() and spool.end_if_orphaned(files) is None
    os.close(owner_lock)  # what the kernel does when the owning process dies
    assert not files.owner_alive()
    assert spool.end_if_orphaned(files) == Event("error", {"message": SERVER_GONE})
    assert files.final() == Event("error", {"message": SERVER_GONE})  # written, for every process to read
    with spool.locked():
        assert spool.running(keep_s=60) == []


def test_an_owner_that_wrote_its_end_before_letting_go_keeps_that_end(spool):
    files, owner_lock = make(spool, "abc")
    files.write_latest(1, {"fraction": 0.5})
    files.write_final(Event("result", {"result": [1, 2]}))
    os.close(owner_lock)
    assert spool.end_if_orphaned(files) == Event("result", {"result": [1, 2]})
    assert files.final_kind() == "result" and files.latest().seq == 1


def test_finished_jobs_are_removed_by_a_count_once_older_than_the_keep_time(spool):
    for job_id in ("old", "new"):
        files, owner_lock = make(spool, job_id)
        files.write_final(Event("cancelled", {}))
        os.close(owner_lock)
    long_ago = time.time() - 100
    os.utime(spool.jobs_dir / "old" / "final", (long_ago, long_ago))
    with spool.locked():
        assert spool.running(keep_s=60) == []
    assert spool.job_ids() == ["new"]


def test_a_servers_temp_spool_outlives_no_server_but_stays_while_its_server_lives():
    first, first_in_use = make_temp_spool()
    second, second_in_use = make_temp_spool()  # the first's server is alive: its spool stays
    assert first.is_dir() and second.is_dir() and first != second
    os.close(first_in_use)  # what the kernel does when the first server dies (kill -9: nothing removed it)
    third, third_in_use = make_temp_spool()
    assert not first.exists() and second.is_dir() and third.is_dir()
    for root, in_use in ((second, second_in_use), (third, third_in_use)):
        remove_temp_spool(root, in_use)
        assert not root.exists()
