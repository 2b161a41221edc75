"""The storage/queue interface on AWS: results in S3, job records in DynamoDB (conditional
writes on a version, TTL on `expires_at`), the queue in SQS (its redrive policy and dead-letter
queue are in template.yml).

boto3 is imported when a client is first needed, not when this module loads: the synchronous
routes import it only when they first consult the result store (docs/architecture.md, "Cold
start")."""

from __future__ import annotations

import functools
import time
from typing import Any

import msgspec

from compile_service.jobs.store import (
    Backend,
    JobRecord,
    ResultMeta,
    StoredResult,
    decode_record,
    encode_record,
    next_version,
)

RESULTS_PREFIX = "results/"
REQUESTS_PREFIX = "requests/"
META_KEY = "lsc-meta"


@functools.cache
def client(service: str) -> Any:
    """One client per service and process (AWS_REGION and AWS_ENDPOINT_URL from the
    environment, as boto3 reads them)."""
    import boto3
    from botocore.config import Config

    config = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2)
    if service == "s3":
        config = config.merge(Config(signature_version="s3v4"))
    return boto3.client(service, config=config)


MISSING = ("NoSuchKey", "404", "NotFound")
# S3 answers a read of a missing key with 403, not 404, to a caller without s3:ListBucket on the
# bucket; template.yml grants it, but a boundary or policy that cuts it must not turn every new
# job and every cache miss into a 500: such a read counts as a miss, and is logged once.
FORBIDDEN = ("403", "AccessDenied", "Forbidden")


def _object(operation: str, bucket: str, key: str) -> dict[str, Any] | None:
    """S3 `operation` (head_object, get_object) on one object; None when it does not exist (or
    S3 will not say, answering 403)."""
    from botocore.exceptions import ClientError

    try:
        return getattr(client("s3"), operation)(Bucket=bucket, Key=key)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in MISSING:
            return None
        if code in FORBIDDEN:
            _warn_forbidden(bucket)
            return None
        raise


@functools.cache
def _warn_forbidden(bucket: str) -> None:
    """Once per process and bucket: a 403 read is a miss, but the role should be fixed."""
    import logging

    logging.getLogger(__name__).warning(
        "S3 answered 403 reading from %s: counted as a missing object; the function's role "
        "needs s3:ListBucket on the bucket for S3 to answer 404",
        bucket,
    )


class S3Results:
    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    def _key(self, key: str) -> str:
        return f"{RESULTS_PREFIX}{key}.json.gz"

    def meta(self, key: str) -> ResultMeta | None:
        head = _object("head_object", self.bucket, self._key(key))
        return None if head is None else _meta(head)

    def get(self, key: str) -> StoredResult | None:
        found = _object("get_object", self.bucket, self._key(key))
        if found is None:
            return None
        meta = _meta(found)
        return None if meta is None else StoredResult(found["Body"].read(), meta)

    def put(self, key: str, result: StoredResult) -> None:
        client("s3").put_object(
            Bucket=self.bucket,
            Key=self._key(key),
            Body=result.document_gz,
            ContentType="application/json",
            ContentEncoding="gzip",
            Metadata={META_KEY: msgspec.json.encode(result.meta).decode()},
        )

    def link(self, key: str, seconds: int) -> str:
        return client("s3").generate_presigned_url(
            "get_object",
            Params={"Bucket": self.bucket, "Key": self._key(key)},
            ExpiresIn=seconds,
        )

    def put_request(self, key: str, body: bytes) -> None:
        client("s3").put_object(
            Bucket=self.bucket,
            Key=f"{REQUESTS_PREFIX}{key}.json",
            Body=body,
            ContentType="application/json",
        )

    def get_request(self, key: str) -> bytes | None:
        found = _object("get_object", self.bucket, f"{REQUESTS_PREFIX}{key}.json")
        return None if found is None else found["Body"].read()


def _meta(response: dict[str, Any]) -> ResultMeta | None:
    raw = response.get("Metadata", {}).get(META_KEY)
    return None if raw is None else msgspec.json.decode(raw, type=ResultMeta)


class DynamoJobs:
    """Items {id, version, status, expires_at (TTL), record (the JobRecord as JSON)}."""

    def __init__(self, table: str) -> None:
        self.table = table

    def get(self, job_id: str) -> JobRecord | None:
        item = (
            client("dynamodb")
            .get_item(TableName=self.table, Key={"id": {"S": job_id}}, ConsistentRead=True)
            .get("Item")
        )
        if item is None:
            return None
        record = decode_record(item["record"]["S"])
        # TTL deletes within days, not at once: an item past its time is already gone for us.
        return None if record.expires_at < time.time() else record

    def count(self, counter: str, expires_at: int) -> int:
        """An item {id: counter, submissions, expires_at (TTL)}, added to atomically."""
        answer = client("dynamodb").update_item(
            TableName=self.table,
            Key={"id": {"S": counter}},
            UpdateExpression="ADD submissions :one SET expires_at = :expires",
            ExpressionAttributeValues={":one": {"N": "1"}, ":expires": {"N": str(expires_at)}},
            ReturnValues="UPDATED_NEW",
        )
        return int(answer["Attributes"]["submissions"]["N"])

    def put(self, record: JobRecord, expected_version: int | None) -> bool:
        written = next_version(record, expected_version)
        item = {
            "id": {"S": written.id},
            "version": {"N": str(written.version)},
            "status": {"S": written.status},
            "expires_at": {"N": str(written.expires_at)},
            "record": {"S": encode_record(written).decode()},
        }
        if expected_version is None:
            # A new job, or one past its TTL that DynamoDB has not deleted yet.
            condition: dict[str, Any] = {
                "ConditionExpression": "attribute_not_exists(id) OR expires_at < :now",
                "ExpressionAttributeValues": {":now": {"N": str(int(time.time()))}},
            }
        else:
            condition = {
                "ConditionExpression": "version = :expected",
                "ExpressionAttributeValues": {":expected": {"N": str(expected_version)}},
            }
        dynamodb = client("dynamodb")
        try:
            dynamodb.put_item(TableName=self.table, Item=item, **condition)
        except dynamodb.exceptions.ConditionalCheckFailedException:
            return False
        return True


class SqsQueue:
    def __init__(self, url: str) -> None:
        self.url = url

    def send(self, job_id: str) -> None:
        client("sqs").send_message(
            QueueUrl=self.url, MessageBody=msgspec.json.encode({"job_id": job_id}).decode()
        )


def backend(bucket: str, table: str, queue_url: str, result_days: int) -> Backend:
    return Backend(
        results=S3Results(bucket),
        jobs=DynamoJobs(table),
        queue=SqsQueue(queue_url),
        result_days=result_days,
    )
