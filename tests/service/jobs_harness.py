"""The two implementations of the job storage/queue interface, set up for one test each, with
what stands in for the parts that are not code (the SQS event source mapping; S3's lifecycle
expiry). The AWS one runs on a moto server on 127.0.0.1: the worker handler consumes the real
SQS messages, results go to the real (moto) S3 bucket, jobs to the DynamoDB table."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_RECEIVES = 2
LAMBDA_CONTEXT_ARN = "arn:aws:lambda:us-east-1:123456789012:function:lattice-surgery-worker"


@dataclass
class AwsHarness:
    """Bucket, table, queue and dead-letter queue (redrive after MAX_RECEIVES) on moto."""

    endpoint: str
    name: str
    env: dict[str, str] = field(default_factory=dict)

    def create(self) -> None:
        import boto3

        session = boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
        )
        self.s3 = session.client("s3", endpoint_url=self.endpoint)
        self.sqs = session.client("sqs", endpoint_url=self.endpoint)
        dynamodb = session.client("dynamodb", endpoint_url=self.endpoint)
        self.bucket = f"{self.name}-results"
        self.s3.create_bucket(Bucket=self.bucket)
        dynamodb.create_table(
            TableName=f"{self.name}-jobs",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        self.dlq_url = self.sqs.create_queue(QueueName=f"{self.name}-dead")["QueueUrl"]
        self.dlq_arn = self._arn(self.dlq_url)
        redrive = {"deadLetterTargetArn": self.dlq_arn, "maxReceiveCount": str(MAX_RECEIVES)}
        self.queue_url = self.sqs.create_queue(
            QueueName=f"{self.name}-jobs",
            Attributes={"RedrivePolicy": json.dumps(redrive), "VisibilityTimeout": "30"},
        )["QueueUrl"]
        self.queue_arn = self._arn(self.queue_url)
        self.env = {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            "LSC_JOBS_BACKEND": "aws",
            "LSC_RESULTS_BUCKET": self.bucket,
            "LSC_JOBS_TABLE": f"{self.name}-jobs",
            "LSC_JOBS_QUEUE_URL": self.queue_url,
            "LSC_JOBS_DLQ_ARN": self.dlq_arn,
        }

    def _arn(self, url: str) -> str:
        attributes = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        return attributes["Attributes"]["QueueArn"]

    def deliver(self) -> int:
        """What Lambda's event source mappings do, one message at a time: the worker handler on
        each message of the queue (a failure makes it visible again, as when the visibility
        timeout ends), then on each message the redrive policy moved to the dead-letter queue."""
        import worker

        deliveries = 0
        for url, arn in ((self.queue_url, self.queue_arn), (self.dlq_url, self.dlq_arn)):
            while True:
                received = self.sqs.receive_message(
                    QueueUrl=url, MaxNumberOfMessages=1, AttributeNames=["All"]
                ).get("Messages", [])
                if not received:
                    break
                message = received[0]
                deliveries += url == self.queue_url
                try:
                    worker.lambda_handler(_sqs_event(message, arn), _Context())
                except Exception:
                    self.sqs.change_message_visibility(
                        QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                    )
                else:
                    self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return deliveries

    def lose_messages(self) -> None:
        self.sqs.purge_queue(QueueUrl=self.queue_url)

    def expire(self, key: str) -> None:
        """What S3's lifecycle rule does to an old result."""
        self.s3.delete_object(Bucket=self.bucket, Key=f"results/{key}.json.gz")

    def queued(self) -> int:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=self.queue_url, AttributeNames=["ApproximateNumberOfMessages"]
        )
        return int(attributes["Attributes"]["ApproximateNumberOfMessages"])

    def job_count(self) -> int:
        import boto3

        dynamodb = boto3.client(
            "dynamodb",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        return dynamodb.scan(  # job records, not the per-client counters
            TableName=self.env["LSC_JOBS_TABLE"],
            Select="COUNT",
            FilterExpression="NOT begins_with(id, :counter)",
            ExpressionAttributeValues={":counter": {"S": "client-"}},
        )["Count"]


@dataclass
class LocalHarness:
    """A data directory, consumed by the local job pool's drain loop."""

    root: Path
    env: dict[str, str] = field(default_factory=dict)

    def create(self) -> None:
        self.env = {
            "LSC_JOBS_BACKEND": "local",
            "LSC_LOCAL_DATA_DIR": str(self.root),
            "LSC_JOB_MAX_RECEIVES": str(MAX_RECEIVES),
        }

    def deliver(self) -> int:
        from compile_service.jobs import backends, worker
        from compile_service.settings import load_job_limits
        from lsctl.local.job_pool import drain

        backend = backends.from_environment()
        assert backend is not None
        return drain(
            backend.queue,
            lambda job_id, receives: worker.run(job_id, receives, backend, load_job_limits()),
            lambda job_id: worker.dead_letter(job_id, backend, 840),
        )

    def lose_messages(self) -> None:
        for message in (self.root / "queue" / "ready").iterdir():
            message.unlink()

    def expire(self, key: str) -> None:
        old = time.time() - 8 * 86400
        os.utime(self.root / "results" / f"{key}.json.gz", (old, old))

    def queued(self) -> int:
        ready = self.root / "queue" / "ready"
        return len(list(ready.iterdir())) if ready.is_dir() else 0

    def job_count(self) -> int:
        return len(list((self.root / "jobs").glob("*.json")))  # none if never created


def _sqs_event(message: dict[str, Any], arn: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": message["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": arn,
                "awsRegion": "us-east-1",
            }
        ]
    }


class _Context:
    function_name = "lattice-surgery-worker"
    function_version = "$LATEST"
    invoked_function_arn = LAMBDA_CONTEXT_ARN
    memory_limit_in_mb = 3008
    aws_request_id = "worker-request-id"
    log_group_name = "/aws/lambda/lattice-surgery-worker"
    log_stream_name = "test"

    def get_remaining_time_in_millis(self) -> int:
        return 900_000
