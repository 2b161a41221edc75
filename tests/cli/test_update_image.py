"""`lsctl update-image` on moto: an ECR image (put_image with a manifest gives its digest), a
function created from it, the update by digest, the published version, the `live` alias moved,
and moved back when the smoke test fails."""

from __future__ import annotations

import pytest

from .helpers import Canned, create_stack, good_routes, image_manifest

FUNCTION = "lattice-surgery-dev-Function"


def push_image(ecr, tag: str, layer_digest_char: str) -> str:
    """Put an image manifest into ECR (as `docker push` would); returns repo@digest."""
    image = ecr.put_image(
        repositoryName="lattice-surgery",
        imageManifest=image_manifest(layer_digest_char),
        imageTag=tag,
    )["image"]
    uri = ecr.describe_repositories(repositoryNames=["lattice-surgery"])["repositories"][0][
        "repositoryUri"
    ]
    return f"{uri}@{image['imageId']['imageDigest']}"


@pytest.fixture
def stage(aws, fake_service):
    """A dev stage in moto: repository with two images, function on the first, version 1
    published, alias live on it, a stack whose ApiUrl is a local service the test controls."""
    ecr, lam, iam = aws("ecr"), aws("lambda"), aws("iam")
    ecr.create_repository(repositoryName="lattice-surgery")
    first = push_image(ecr, "commit-1", "1")
    second = push_image(ecr, "commit-2", "2")
    assert first != second
    role = iam.create_role(RoleName="fn-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    lam.create_function(
        FunctionName=FUNCTION, Role=role, PackageType="Image", Code={"ImageUri": first}
    )
    version = lam.publish_version(FunctionName=FUNCTION)["Version"]
    lam.create_alias(FunctionName=FUNCTION, Name="live", FunctionVersion=version)
    routes = good_routes()
    service = fake_service(routes)
    create_stack(
        aws("cloudformation"),
        "lattice-surgery-dev",
        {"ApiUrl": service.url, "FunctionName": FUNCTION},
    )

    class Stage:
        images = (first, second)
        first_version = version

        @staticmethod
        def alias_version() -> str:
            return lam.get_alias(FunctionName=FUNCTION, Name="live")["FunctionVersion"]

        @staticmethod
        def image_of(qualifier: str) -> str:
            return lam.get_function(FunctionName=FUNCTION, Qualifier=qualifier)["Code"]["ImageUri"]

        @staticmethod
        def break_compile() -> None:
            routes["POST /v2/compile"] = Canned(500, '{"error": {"code": "internal_error"}}')

    return Stage


def test_update_image_moves_the_alias_to_a_new_version(lsctl, stage, aws):
    new_image = stage.images[1]
    result = lsctl("update-image", "--stage", "dev", "--image", new_image, "--smoke-timeout", "0")
    assert result.code == 0, result.text
    # The image the stage now runs is kept by the repository's lifecycle (a deployed-* tag).
    (details,) = aws("ecr").describe_images(
        repositoryName="lattice-surgery", imageIds=[{"imageDigest": new_image.split("@")[1]}]
    )["imageDetails"]
    assert any(tag.startswith("deployed-dev-") for tag in details["imageTags"])
    live = stage.alias_version()
    assert live != stage.first_version
    assert stage.image_of(live) == new_image
    # (moto reports $LATEST's image for every version, so version 1's image is not checked)
    assert f"moved alias live: version {stage.first_version} -> {live}" in result.out
    assert "smoke test passed" in result.out


def test_a_failed_smoke_test_moves_the_alias_back(lsctl, stage):
    stage.break_compile()
    result = lsctl(
        "update-image", "--stage", "dev", "--image", stage.images[1], "--smoke-timeout", "0"
    )
    assert result.code == 1
    assert stage.alias_version() == stage.first_version
    assert "POST /v2/compile: expected HTTP 200, got 500" in result.err
    assert f"alias live is back on version {stage.first_version}" in result.err
    assert "rolled back alias live" in result.out


def test_a_missing_function_is_one_line_naming_the_call(lsctl, aws):
    create_stack(
        aws("cloudformation"),
        "lattice-surgery-dev",
        {"ApiUrl": "http://127.0.0.1:9", "FunctionName": "no-such-function"},
    )
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/x@sha256:" + "b" * 64
    result = lsctl("update-image", "--stage", "dev", "--image", image)
    assert result.code == 1
    assert result.err.startswith("error: lambda.GetAlias failed: ResourceNotFoundException")
    assert len(result.err.strip().splitlines()) == 1


def test_without_a_stack_it_says_to_deploy_first(lsctl, aws):
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/x@sha256:" + "b" * 64
    result = lsctl("update-image", "--stage", "dev", "--image", image)
    assert result.code == 1
    assert "stack lattice-surgery-dev does not exist: deploy the stage first" in result.err
