"""Lambda entry point: `app.lambda_handler` (the image's CMD)."""

import gc

# Cold start: importing qiskit/lsqecc creates hundreds of thousands of long-lived objects, and the
# cyclic collector re-scans them over and over during the import (measured: ~30 ms of the
# handler's import). Pause it while importing, then freeze what was imported so later collections
# skip it. See README, "Cold start".
gc.disable()

from typing import Any  # noqa: E402

from aws_lambda_powertools.logging import correlation_paths  # noqa: E402
from aws_lambda_powertools.metrics.functions import is_metrics_disabled  # noqa: E402
from aws_lambda_powertools.utilities.typing import LambdaContext  # noqa: E402

from compile_service.api import app, logger, metrics, tracer  # noqa: E402

gc.freeze()
gc.enable()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler(capture_response=False)
# Powertools prints the ColdStart metric even with POWERTOOLS_METRICS_DISABLED: not asked then.
@metrics.log_metrics(capture_cold_start_metric=not is_metrics_disabled())
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
