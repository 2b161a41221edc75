"""The committed OpenAPI document (what GET /v2/openapi.json serves) is what the build tooling
generates from the app's routes and request types (lsctl.build.openapi, `lsctl openapi`)."""

from __future__ import annotations

from lsctl.build import openapi
from lsctl.commands.openapi import TARGET


def test_openapi_document_is_in_sync_with_the_app():
    assert TARGET.read_text() == openapi.render(), "run `lsctl openapi` and commit the file"
