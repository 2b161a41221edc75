"""Lambda entry point of the job worker: `worker.lambda_handler` (the worker function's
ImageConfig.Command; same image as app.py).

Two SQS event sources, batch size 1: the jobs queue (run the job; an unexpected failure
propagates, so SQS delivers the message again until its redrive policy moves it to the
dead-letter queue) and that dead-letter queue (mark the job failed with the reason)."""

import gc

gc.disable()  # as app.py: no cyclic collection during the import burst

import os  # noqa: E402
from typing import Any  # noqa: E402

import msgspec  # noqa: E402
from aws_lambda_powertools import Logger  # noqa: E402
from aws_lambda_powertools.utilities.data_classes import SQSEvent  # noqa: E402
from aws_lambda_powertools.utilities.typing import LambdaContext  # noqa: E402

from compile_service.jobs import backends, worker  # noqa: E402
from compile_service.settings import SERVICE, load_job_limits  # noqa: E402

gc.freeze()
gc.enable()

logger = Logger(service=SERVICE)
limits = load_job_limits()


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> None:
    backend = backends.from_environment()
    if backend is None:
        raise RuntimeError("the worker needs LSC_JOBS_BACKEND=aws and its resources")
    dead_letter_arn = os.environ.get("LSC_JOBS_DLQ_ARN", "")
    timeout = float(os.environ.get("LSC_JOB_WORKER_TIMEOUT", "900"))
    for record in SQSEvent(event).records:
        job_id = _job_id(record.body)
        receives = int(record.attributes.approximate_receive_count or 1)
        logger.append_keys(job_id=job_id)
        if record.event_source_arn == dead_letter_arn:
            worker.dead_letter(job_id, backend, timeout)
        else:
            worker.run(job_id, receives, backend, limits)


def _job_id(body: str) -> str:
    return msgspec.json.decode(body, type=dict[str, str])["job_id"]
