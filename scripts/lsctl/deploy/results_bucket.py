"""The stage's results bucket (template.yml's ResultsBucket): CloudFormation cannot delete a
bucket that still holds objects, so `lsctl destroy` empties it first. Its objects are compile
results and job requests, recreated on demand: nothing of value is lost."""

from __future__ import annotations

from typing import Any

from lsctl.deploy.session import aws_errors, error_code
from lsctl.errors import CliError, describe_aws_error

OUTPUT = "ResultsBucketName"


def empty(s3: Any, bucket: str) -> int:
    """Delete every object of `bucket`; how many. 0 when the bucket does not exist."""
    deleted = 0
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
                deleted += len(keys)
    except aws_errors() as exc:
        if error_code(exc) == "NoSuchBucket":
            return deleted
        raise CliError(describe_aws_error(exc, "s3.DeleteObjects")) from None
    return deleted
