"""What the Lambda runtime gives the handler, for running it off Lambda: the context object and
the environment (Powertools settings as template.yml sets them, plus what the runtime sets).

Standard library only: the isolated bundle probe (lsctl.build.corpus_probe) imports it too.
"""

from __future__ import annotations

from dataclasses import dataclass

SERVICE_NAME = "lattice-surgery-compiler"
METRICS_NAMESPACE = "LatticeSurgery"
REMAINING_MILLIS = 29_000  # API Gateway's limit


@dataclass
class LambdaContext:
    """The attributes of the Lambda runtime's context object that Powertools and the handler
    read (`function_name` and `aws_request_id` tell the runs apart in the logs)."""

    function_name: str = "lattice-surgery-local"
    aws_request_id: str = "local"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 1769

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return self.aws_request_id

    def get_remaining_time_in_millis(self) -> int:
        return REMAINING_MILLIS


# A trace header whose request is not sampled: the X-Ray SDK patches libraries at import, as on
# Lambda, and sends nothing.
UNSAMPLED_TRACE = "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0"


def lambda_environment(
    function_name: str,
    *,
    runtime: bool = False,
    tracing: bool = False,
    metrics: bool = False,
    log_level: str = "",
    task_root: str = "/var/task",
) -> dict[str, str]:
    """The variables the handler sees: Powertools' (as template.yml sets them); with `runtime`,
    what the Lambda runtime sets (the X-Ray SDK checks LAMBDA_TASK_ROOT); with `tracing`, the
    Tracer on and the request not sampled, else the Tracer off; metrics printed only with
    `metrics`."""
    env = {
        "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
        "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
    }
    if runtime:
        env |= {
            "AWS_LAMBDA_FUNCTION_NAME": function_name,
            "LAMBDA_TASK_ROOT": task_root,
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
    if tracing:
        env |= {
            "_X_AMZN_TRACE_ID": UNSAMPLED_TRACE,
            "AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR",
            "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
        }
    else:
        env["POWERTOOLS_TRACE_DISABLED"] = "true"
    if not metrics:
        env["POWERTOOLS_METRICS_DISABLED"] = "true"
    if log_level:
        env["POWERTOOLS_LOG_LEVEL"] = log_level
    return env
