"""Run by test_bundle as `python -I -S bundle_jobs_probe.py BUNDLE CIRCUIT RESULTS` with the
jobs' AWS settings in the environment (a moto server): submit the circuit as a job through the
API handler, hand the real SQS message to the worker handler, and fetch the result, all with
only the bundle (and the standard library) importable, so boto3, its service models and
worker.py must be in it."""

import gzip
import json
import os
import sys
import urllib.request

bundle, circuit, results_file = sys.argv[1], sys.argv[2], sys.argv[3]
assert not any("site-packages" in p for p in sys.path), sys.path
sys.path.insert(0, bundle)

import app  # noqa: E402
import boto3  # noqa: E402
import worker  # noqa: E402


class Context:
    function_name = "bundle-probe"
    function_version = "1"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bundle-probe"
    memory_limit_in_mb = 1769
    aws_request_id = "bundle-probe"
    log_group_name = "/aws/lambda/bundle-probe"
    log_stream_name = "probe"

    def get_remaining_time_in_millis(self):
        return 900_000


def call(method, path, body=None):
    event = {
        "resource": "/v2/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": {"content-type": "application/json"},
        "multiValueHeaders": {"content-type": ["application/json"]},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/v2/{proxy+}",
            "httpMethod": method,
            "path": path,
            "stage": "probe",
            "requestId": "probe",
            "identity": {"sourceIp": "127.0.0.1"},
        },
        "body": None if body is None else json.dumps(body),
        "isBase64Encoded": False,
    }
    result = app.lambda_handler(event, Context())
    return result["statusCode"], json.loads(result["body"]) if result["body"] else None


status, job = call("POST", "/v2/jobs", {"circuit": circuit})
sqs = boto3.client("sqs")
(message,) = sqs.receive_message(QueueUrl=os.environ["LSC_JOBS_QUEUE_URL"], AttributeNames=["All"])[
    "Messages"
]
worker.lambda_handler(
    {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message["Attributes"],
                "messageAttributes": {},
                "md5OfBody": message["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:jobs",
                "awsRegion": "us-east-1",
            }
        ]
    },
    Context(),
)
_, done = call("GET", f"/v2/jobs/{job['id']}")
with urllib.request.urlopen(done["result_url"], timeout=30) as response:
    document = json.loads(gzip.decompress(response.read()))
with open(results_file, "w") as out:
    json.dump(
        {
            "submit_status": status,
            "status": done["status"],
            "slices": len(document["slices"]),
            "boto3": boto3.__file__,
        },
        out,
    )
