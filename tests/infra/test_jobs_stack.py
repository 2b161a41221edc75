"""template.yml's jobs block through the SAM transform, per stage: the worker, its queues and
their failure path, the job table, the results bucket, and what each role may do."""

from __future__ import annotations

from typing import Any

from tests.infra.conftest import IMAGE, of_type, resolve, transformed

LAMBDA_MAX_TIMEOUT = 900


def settings(stage: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The transformed stack and its parameters: `stage`, the image, the rest at their defaults."""
    template = transformed(stage)
    defaults = {k: p["Default"] for k, p in template["Parameters"].items() if "Default" in p}
    return template, {**defaults, "Stage": stage, "ImageUri": IMAGE}


def props(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    return template["Resources"][logical_id]["Properties"]


def value(template: dict[str, Any], parameters: dict[str, str], item: Any) -> Any:
    return resolve(item, template, parameters)


def actions(statement: dict[str, Any]) -> set[str]:
    action = statement["Action"]
    return {action} if isinstance(action, str) else set(action)


def test_the_worker_is_the_same_image_with_its_own_handler_and_limits(stage: str) -> None:
    template, parameters = settings(stage)
    worker = props(template, "WorkerFunction")
    api = props(template, "CompileFunction")
    # The same image, so the same compiler build: result keys (content hashes) agree.
    assert value(template, parameters, worker["Code"]["ImageUri"]) == IMAGE
    assert value(template, parameters, api["Code"]["ImageUri"]) == IMAGE
    assert worker["ImageConfig"]["Command"] == ["worker.lambda_handler"]
    timeout = value(template, parameters, worker["Timeout"])
    budget = float(
        value(template, parameters, worker["Environment"]["Variables"]["LSC_JOB_COMPILE_SECONDS"])
    )
    assert timeout <= LAMBDA_MAX_TIMEOUT
    assert budget < timeout - 30  # the budget answers before Lambda kills the worker
    memory = value(template, parameters, worker["MemorySize"])
    assert memory > value(template, parameters, api["MemorySize"])
    # The API function refuses at submission what would not fit the worker's memory.
    api_env = api["Environment"]["Variables"]
    assert (
        api_env["LSC_JOB_WORKER_MEMORY_MB"] == worker["MemorySize"] == {"Ref": "WorkerMemorySize"}
    )
    assert memory == 3008  # what a new account may configure


def test_messages_reach_the_worker_one_at_a_time_with_bounded_concurrency(stage: str) -> None:
    template, parameters = settings(stage)
    mappings = of_type(template, "AWS::Lambda::EventSourceMapping")
    sources = {m["Properties"]["EventSourceArn"]["Fn::GetAtt"][0] for m in mappings.values()}
    assert sources == {"JobsQueue", "JobsDeadLetterQueue"}
    for mapping in mappings.values():
        assert mapping["Properties"]["FunctionName"] == {"Ref": "WorkerFunction"}
        assert mapping["Properties"]["BatchSize"] == 1
        limit = mapping["Properties"]["ScalingConfig"]["MaximumConcurrency"]
        assert 2 <= value(template, parameters, limit) <= 10


def test_worker_concurrency_is_reserved_only_when_asked_and_covers_its_sources(stage: str) -> None:
    # By default nothing is reserved: a new account (quota 10) can reserve nothing.
    template, parameters = settings(stage)
    assert props(template, "WorkerFunction")["ReservedConcurrentExecutions"] == {
        "Fn::If": [
            "ReservesWorkerConcurrency",
            {"Fn::FindInMap": ["JobSettings", {"Ref": "Stage"}, "WorkerReserved"]},
            {"Ref": "AWS::NoValue"},
        ]
    }
    assert template["Parameters"]["ReserveWorkerConcurrency"]["Default"] == "false"
    assert template["Conditions"]["ReservesWorkerConcurrency"] == {
        "Fn::Equals": [{"Ref": "ReserveWorkerConcurrency"}, "true"]
    }
    # When reserved, it is at least what both event sources may run at once: a reservation
    # below their MaximumConcurrency would throttle messages back onto the queue.
    reserved = template["Mappings"]["JobSettings"][stage]["WorkerReserved"]
    sources = of_type(template, "AWS::Lambda::EventSourceMapping").values()
    at_once = sum(
        value(template, parameters, m["Properties"]["ScalingConfig"]["MaximumConcurrency"])
        for m in sources
    )
    assert reserved == at_once


def test_a_dead_worker_is_retried_then_dead_lettered_and_alarmed(stage: str) -> None:
    template, parameters = settings(stage)
    queue = props(template, "JobsQueue")
    timeout = value(template, parameters, props(template, "WorkerFunction")["Timeout"])
    # A message must stay invisible while a worker may still run on it, with the margin AWS
    # asks for an SQS event source (6x the timeout: throttled retries of the batch).
    assert value(template, parameters, queue["VisibilityTimeout"]) >= 6 * timeout
    redrive = queue["RedrivePolicy"]
    assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": ["JobsDeadLetterQueue", "Arn"]}
    # A throttled delivery counts as a receive: 5 or more, or throttling dead-letters jobs.
    assert value(template, parameters, redrive["maxReceiveCount"]) >= 5
    worker_env = props(template, "WorkerFunction")["Environment"]["Variables"]
    assert worker_env["LSC_JOBS_DLQ_ARN"] == {"Fn::GetAtt": ["JobsDeadLetterQueue", "Arn"]}
    alarm = props(template, "JobsDeadLetterAlarm")
    assert alarm["Namespace"] == "AWS/SQS"
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["JobsDeadLetterQueue", "QueueName"]}}
    ]
    for name in ("JobsQueue", "JobsDeadLetterQueue"):
        assert props(template, name)["SqsManagedSseEnabled"] is True


def test_results_bucket_is_private_encrypted_tls_only_and_expires(stage: str) -> None:
    template, parameters = settings(stage)
    bucket = props(template, "ResultsBucket")
    (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert len(bucket["PublicAccessBlockConfiguration"]) == 4
    days = {
        r["Prefix"]: value(template, parameters, r["ExpirationInDays"])
        for r in bucket["LifecycleConfiguration"]["Rules"]
        if "ExpirationInDays" in r
    }
    assert set(days) == {"results/", "requests/"}
    result_days = value(
        template,
        parameters,
        props(template, "CompileFunction")["Environment"]["Variables"]["LSC_RESULT_DAYS"],
    )
    assert set(days.values()) == {result_days}  # the service and S3 agree when results expire
    (deny,) = props(template, "ResultsBucketPolicy")["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_job_table_has_ttl_on_expires_at(stage: str) -> None:
    template, _ = settings(stage)
    table = props(template, "JobsTable")
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["SSESpecification"]["SSEEnabled"] is True


def _granted(statements: list[dict[str, Any]]) -> dict[str, list[Any]]:
    granted: dict[str, list[Any]] = {}
    for statement in statements:
        assert statement["Effect"] == "Allow"
        resources = statement["Resource"]
        for action in actions(statement):
            assert "*" not in action
            granted.setdefault(action, []).extend(
                resources if isinstance(resources, list) else [resources]
            )
    return granted


def test_the_api_function_may_read_and_store_results_and_queue_jobs_only(stage: str) -> None:
    template, _ = settings(stage)
    policy = props(template, "FunctionJobsPolicy")
    assert policy["RoleName"] == {"Ref": "FunctionRole"}
    granted = _granted(policy["PolicyDocument"]["Statement"])
    assert set(granted) == {
        "s3:GetObject",
        "s3:PutObject",
        "s3:ListBucket",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",  # the per-client hourly job counters
        "sqs:SendMessage",
    }
    assert granted["dynamodb:UpdateItem"] == [{"Fn::GetAtt": ["JobsTable", "Arn"]}]
    assert granted["sqs:SendMessage"] == [{"Fn::GetAtt": ["JobsQueue", "Arn"]}]
    assert granted["dynamodb:PutItem"] == [{"Fn::GetAtt": ["JobsTable", "Arn"]}]
    for resource in granted["s3:PutObject"]:
        assert resource["Fn::Sub"].startswith("${ResultsBucket.Arn}/")


def test_the_worker_role_is_least_privilege(stage: str) -> None:
    template, _ = settings(stage)
    role = props(template, "WorkerRole")
    assert "ManagedPolicyArns" not in role
    statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    granted = _granted(statements)
    assert set(granted) == {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "s3:GetObject",
        "s3:PutObject",
        "s3:ListBucket",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:ChangeMessageVisibility",
    }
    assert "sqs:SendMessage" not in granted
    for resources in granted.values():
        assert "*" not in resources
    worker = props(template, "WorkerFunction")
    assert worker["Role"] == {"Fn::GetAtt": ["WorkerRole", "Arn"]}
