"""`lsctl destroy` empties the stage's results bucket first (CloudFormation cannot delete a
bucket holding objects): on a moto server."""

from __future__ import annotations

import boto3

from lsctl.deploy import results_bucket
from tests.conftest import moto_server


def test_empty_deletes_every_object_and_tolerates_a_missing_bucket() -> None:
    with moto_server() as url:
        s3 = boto3.client(
            "s3",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        s3.create_bucket(Bucket="lattice-surgery-dev-results-1")
        for i in range(1005):  # more than one page and one DeleteObjects batch
            s3.put_object(Bucket="lattice-surgery-dev-results-1", Key=f"results/{i}", Body=b"x")
        assert results_bucket.empty(s3, "lattice-surgery-dev-results-1") == 1005
        assert s3.list_objects_v2(Bucket="lattice-surgery-dev-results-1")["KeyCount"] == 0
        s3.delete_bucket(Bucket="lattice-surgery-dev-results-1")  # now CloudFormation can
        assert results_bucket.empty(s3, "lattice-surgery-dev-results-1") == 0
