"""Lambda entry point: `app.lambda_handler` (the image's CMD)."""

import gc
import warnings

# Cold start: importing qiskit/lsqecc creates hundreds of thousands of long-lived objects, and the
# cyclic collector re-scans them over and over during the import (measured: ~30 ms of the
# handler's import). Pause it while importing, then freeze what was imported so later collections
# skip it. See docs/architecture.md, "Cold start".
gc.disable()

from typing import Any  # noqa: E402

from aws_lambda_powertools.logging import correlation_paths  # noqa: E402
from aws_lambda_powertools.metrics import MetricUnit, single_metric  # noqa: E402
from aws_lambda_powertools.metrics.functions import is_metrics_disabled  # noqa: E402
from aws_lambda_powertools.utilities.typing import LambdaContext  # noqa: E402

from compile_service.api import app, logger, metrics, tracer  # noqa: E402

gc.freeze()
gc.enable()

METRICS_DISABLED = is_metrics_disabled()  # as the environment says at init
# Some answers record no metric (a 404, a 405, a preflight): Powertools' warning is no news.
warnings.filterwarnings("ignore", "No application metrics to publish", UserWarning)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler(capture_response=False)
# Powertools prints the ColdStart metric even with POWERTOOLS_METRICS_DISABLED: not asked then.
@metrics.log_metrics(capture_cold_start_metric=not METRICS_DISABLED)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        response = app.resolve(event, context)
        count_server_error(response, context)
        return response
    finally:
        if METRICS_DISABLED:  # Powertools keeps them (and prints every 100th) unless it prints
            metrics.clear_metrics()


def count_server_error(response: dict[str, Any], context: LambdaContext) -> None:
    """A 500 the handler answered (an unexpected exception) as metric ServerErrors of this
    version: Lambda's Errors metric never sees it, and the canary's alarm watches this one
    (template.yml, NewVersionServerErrorsAlarm)."""
    if response.get("statusCode") != 500 or METRICS_DISABLED:
        return
    with single_metric(
        name="ServerErrors",
        unit=MetricUnit.Count,
        value=1,
        namespace="LatticeSurgery",
        default_dimensions={"FunctionVersion": context.function_version},
    ):
        pass
