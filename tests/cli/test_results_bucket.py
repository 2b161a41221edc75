"""`lsctl destroy` empties the stage's results bucket first (CloudFormation cannot delete a
bucket holding objects): on the session's moto server (the `aws` fixture, so marked slow)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from lsctl.deploy import results_bucket


def test_empty_deletes_every_object_and_tolerates_a_missing_bucket(aws) -> None:
    s3 = aws("s3")
    s3.create_bucket(Bucket="lattice-surgery-dev-results-1")
    with ThreadPoolExecutor(8) as pool:  # more than one page and one DeleteObjects batch
        list(
            pool.map(
                lambda i: s3.put_object(
                    Bucket="lattice-surgery-dev-results-1", Key=f"results/{i}", Body=b"x"
                ),
                range(1005),
            )
        )
    assert results_bucket.empty(s3, "lattice-surgery-dev-results-1") == 1005
    assert s3.list_objects_v2(Bucket="lattice-surgery-dev-results-1")["KeyCount"] == 0
    s3.delete_bucket(Bucket="lattice-surgery-dev-results-1")  # now CloudFormation can
    assert results_bucket.empty(s3, "lattice-surgery-dev-results-1") == 0
