"""The worst-case cost per stage in docs/infrastructure.md, recomputed from template.yml's own
settings: a change to the throttle, the per-client limit, the timeout or the memory that does
not update the docs fails here (and says the new figures)."""

from __future__ import annotations

import re

from tests.infra.conftest import REPO, STAGES, TEMPLATE, load

DOC = REPO / "docs" / "infrastructure.md"
# us-east-1 list prices (December 2026), as the docs state them.
LAMBDA_GB_SECOND = 0.0000166667  # x86_64
LAMBDA_REQUEST = 0.20 / 1e6
REST_API_REQUEST = 3.50 / 1e6
WAF_REQUEST = 0.60 / 1e6
WAF_WINDOW_SECONDS = 300
DAY = 86400


def dollars_per_day(rate: float, timeout: int, memory_mb: int) -> float:
    """`rate` requests per second all day, each running the full timeout at `memory_mb`."""
    compute = rate * timeout * memory_mb / 1024 * LAMBDA_GB_SECOND
    requests = rate * (LAMBDA_REQUEST + REST_API_REQUEST + WAF_REQUEST)
    return (compute + requests) * DAY


def expected_rows() -> dict[str, tuple[str, ...]]:
    template = load(TEMPLATE)
    client_limit = int(template["Parameters"]["ClientRateLimit"]["Default"])
    rows = {}
    for stage in STAGES:
        s = template["Mappings"]["StageSettings"][stage]
        rate, timeout, memory = s["ThrottlingRateLimit"], s["Timeout"], s["MemorySize"]
        client_rate = min(client_limit / WAF_WINDOW_SECONDS, rate)
        rows[stage] = (
            stage,
            str(rate),
            str(s["ThrottlingBurstLimit"]),
            str(client_limit),
            str(timeout),
            str(memory),
            f"{dollars_per_day(client_rate, timeout, memory):,.0f}",
            f"{dollars_per_day(rate, timeout, memory):,.0f}",
        )
    return rows


def test_the_documented_worst_case_follows_the_template() -> None:
    table = {}
    for line in DOC.read_text().splitlines():
        cells = tuple(c.strip().strip("$") for c in line.strip().strip("|").split("|"))
        if cells and cells[0] in STAGES and len(cells) == 8:
            table[cells[0]] = cells
    expected = expected_rows()
    assert table == expected, (
        "docs/infrastructure.md's cost table is out of step with template.yml; its rows are:\n"
        + "\n".join("| " + " | ".join(row) + " |" for row in expected.values())
    )


def test_one_client_costs_a_small_part_of_the_stage() -> None:
    """The per-client limit is what bounds one client: far below the stage's own bound."""
    for stage, row in expected_rows().items():
        one, whole = (float(re.sub(",", "", v)) for v in row[-2:])
        assert one < whole / 20, stage


def expected_job_rows() -> dict[str, tuple[str, ...]]:
    """Compile jobs: each runs at most the worker's timeout at its memory; one client queues at
    most ClientJobsPerHour new jobs an hour (lifecycle.py, 429 beyond), and the event sources run
    at most WorkerConcurrency workers at once, all day."""
    template = load(TEMPLATE)
    memory = int(template["Parameters"]["WorkerMemorySize"]["Default"])
    rows = {}
    for stage in STAGES:
        s = template["Mappings"]["JobSettings"][stage]
        workers, timeout, hourly = (
            s["WorkerConcurrency"],
            s["WorkerTimeout"],
            s["ClientJobsPerHour"],
        )
        one = min(hourly * timeout / 3600, workers)  # workers one client keeps busy
        rows[stage] = (
            stage,
            str(workers),
            str(timeout),
            str(memory),
            str(hourly),
            f"{dollars_per_day(one / timeout, timeout, memory):,.0f}",
            f"{dollars_per_day(workers / timeout, timeout, memory):,.0f}",
        )
    return rows


def test_the_documented_worst_case_of_jobs_follows_the_template() -> None:
    table = {}
    for line in DOC.read_text().splitlines():
        cells = tuple(c.strip().strip("$") for c in line.strip().strip("|").split("|"))
        if cells and cells[0] in STAGES and len(cells) == 7:
            table[cells[0]] = cells
    expected = expected_job_rows()
    assert table == expected, (
        "docs/infrastructure.md's jobs cost table is out of step with template.yml; its rows are:\n"
        + "\n".join("| " + " | ".join(row) + " |" for row in expected.values())
    )


def test_one_client_keeps_at_most_a_third_of_the_workers() -> None:
    template = load(TEMPLATE)
    for stage in STAGES:
        s = template["Mappings"]["JobSettings"][stage]
        busy = s["ClientJobsPerHour"] * s["WorkerTimeout"]
        assert busy <= s["WorkerConcurrency"] * 3600 / 3, stage
    variables = template["Resources"]["CompileFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["LSC_JOB_CLIENT_HOURLY"] == {
        "Fn::FindInMap": ["JobSettings", {"Ref": "Stage"}, "ClientJobsPerHour"]
    }
