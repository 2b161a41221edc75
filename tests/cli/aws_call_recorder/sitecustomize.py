"""Loaded at start-up by every Python process whose PYTHONPATH holds this directory (the tests put
it there for `lsctl deploy` and the `sam` it runs): when LSC_RECORD_AWS_CALLS names a file, each
AWS API call any botocore client makes is appended to it as one JSON line {service, operation}
(the signing name, as IAM actions use it). Nothing else changes."""

import json
import os

_RECORD = os.environ.get("LSC_RECORD_AWS_CALLS")

if _RECORD:
    import botocore.session

    _create_client = botocore.session.Session.create_client

    def _recording_create_client(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        client = _create_client(self, *args, **kwargs)
        service = client.meta.service_model.signing_name

        def record(model, **_):  # type: ignore[no-untyped-def]
            with open(_RECORD, "a") as out:
                out.write(json.dumps({"service": service, "operation": model.name}) + "\n")

        client.meta.events.register("before-call", record)
        return client

    botocore.session.Session.create_client = _recording_create_client
