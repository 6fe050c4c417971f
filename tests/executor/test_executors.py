"""Executors: every job reported, a failing one does not lose the others (local processes
and a real local Ray instance with 2 CPUs); how cores are shared among local workers."""

from __future__ import annotations

import math

import pytest

from mixcast.errors import UserError
from mixcast.executor import Job, LocalExecutor, RayExecutor, make_executor
from mixcast.executor.local import limited_xla_flags, share_of_cores

JOBS = [Job("four", (4.0,)), Job("negative", (-1.0,)), Job("nine", (9.0,))]


def _check(results, seen):
    by_name = {r.name: r for r in results}
    assert set(by_name) == {"four", "negative", "nine"}
    assert by_name["four"].ok and by_name["four"].value == 2.0
    assert by_name["nine"].ok and by_name["nine"].value == 3.0
    failed = by_name["negative"]
    assert not failed.ok and failed.error == "ValueError: math domain error"
    assert "Traceback" in failed.detail
    assert [done for done, _ in seen] == [1, 2, 3] and {t for _, t in seen} == {3}


@pytest.mark.slow   # two spawned workers import mixcast (~7 s CPU, 20-30 s on a loaded machine)
def test_local_executor_reports_a_failing_job_and_keeps_the_others():
    seen = []
    results = list(LocalExecutor(workers=2).map(math.sqrt, JOBS,
                                                progress=lambda r, d, t: seen.append((d, t))))
    _check(results, seen)


@pytest.mark.slow
def test_ray_executor_reports_a_failing_job_and_keeps_the_others(ray_instance):
    seen = []
    results = list(RayExecutor().map(math.sqrt, JOBS,
                                     progress=lambda r, d, t: seen.append((d, t))))
    _check(results, seen)


def test_cores_are_shared_equally_among_workers():
    assert [share_of_cores(8, w) for w in (1, 3, 8, 12)] == [8, 2, 1, 1]
    cores = LocalExecutor().cores
    assert LocalExecutor(workers=1).describe(5) == (
        f"1 local worker process with {cores} core{'s' if cores > 1 else ''} each")


def test_a_worker_sees_as_many_xla_devices_as_its_cores():
    flags = "--xla_dump_to=/tmp/x --xla_force_host_platform_device_count=16"
    assert limited_xla_flags(flags, 2) == (
        "--xla_dump_to=/tmp/x  --xla_force_host_platform_device_count=2")
    assert limited_xla_flags("", 1) == "--xla_force_host_platform_device_count=1"


def test_unknown_executor_and_bad_workers_are_user_errors():
    with pytest.raises(UserError, match="local, ray"):
        make_executor("dask")
    with pytest.raises(UserError, match="at least 1"):
        make_executor("local", workers=0)
    with pytest.raises(UserError, match="--executor ray"):
        make_executor("local", address="auto")
