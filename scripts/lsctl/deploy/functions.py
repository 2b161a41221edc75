"""Lambda: point a function at a new image, publish it, and move or restore the alias."""

from __future__ import annotations

from typing import Any

from lsctl.deploy.session import call, wait


def alias_version(lam: Any, function: str, alias: str) -> str:
    return call(lam.get_alias, FunctionName=function, Name=alias)["FunctionVersion"]


def update_image(lam: Any, function: str, image_uri: str) -> str:
    """Set the function's $LATEST code to the image and wait until the update has finished.

    Returns the new CodeSha256 (the image digest as Lambda records it)."""
    response = call(lam.update_function_code, FunctionName=function, ImageUri=image_uri)
    wait(lam, "function_updated_v2", delay=2, max_attempts=300, FunctionName=function)
    return response["CodeSha256"]


def publish(lam: Any, function: str, code_sha256: str, description: str) -> str:
    """Publish $LATEST as a version; CodeSha256 guards against a concurrent code change."""
    response = call(
        lam.publish_version,
        FunctionName=function,
        CodeSha256=code_sha256,
        Description=description[:256],
    )
    wait(
        lam,
        "published_version_active",
        delay=2,
        max_attempts=300,
        FunctionName=function,
        Qualifier=response["Version"],
    )
    return response["Version"]


def move_alias(lam: Any, function: str, alias: str, version: str) -> None:
    """All traffic of the alias to `version` (clears a canary's weights, if any)."""
    call(
        lam.update_alias,
        FunctionName=function,
        Name=alias,
        FunctionVersion=version,
        RoutingConfig={"AdditionalVersionWeights": {}},
    )
