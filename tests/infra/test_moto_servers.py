"""The tests' moto servers are independent: a session-scoped fixture's server (the real sam
deploy's stack, the jobs' buckets) keeps its state while other tests start and stop theirs."""

from __future__ import annotations

import boto3
import pytest

from tests.conftest import moto_server

pytestmark = pytest.mark.slow


def s3(url: str):
    return boto3.client(
        "s3",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def buckets(url: str) -> list[str]:
    return [b["Name"] for b in s3(url).list_buckets()["Buckets"]]


def test_a_second_server_neither_sees_nor_wipes_the_first_ones_state() -> None:
    with moto_server() as first:
        s3(first).create_bucket(Bucket="kept")
        with moto_server() as second:
            assert buckets(second) == []  # starts empty
            s3(second).create_bucket(Bucket="other")
        with moto_server() as third:  # started and stopped while the first serves
            assert buckets(third) == []
        assert buckets(first) == ["kept"]
