"""`lsctl image`: without a Docker engine it says so and exits 1; with a stand-in `docker` (a
script that records its arguments and, for the push, puts the manifest into moto's ECR as a
registry would) it logs in, builds for Lambda and prints the digest ECR holds for the tag."""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from lsctl.commands import image
from lsctl.git import head_commit
from lsctl.paths import REPO_ROOT

from .helpers import create_stack, fake_program

FAKE_DOCKER = """
import json, os, sys
import boto3

args = sys.argv[1:]
record = os.environ["FAKE_DOCKER_RECORD"]
stdin = sys.stdin.read() if args[:1] == ["login"] else None
with open(record, "a") as f:
    f.write(json.dumps({"args": args, "stdin": stdin}) + "\\n")
if args[:1] == ["info"]:
    if os.environ.get("FAKE_DOCKER_ENGINE") != "up":
        print("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
              "Is the docker daemon running?", file=sys.stderr)
        sys.exit(1)
    sys.exit(0)
if args[:2] == ["buildx", "version"]:
    sys.exit(0 if os.environ.get("FAKE_DOCKER_BUILDX") == "yes" else 1)
pushing = args[:2] == ["buildx", "build"] and "--push" in args or args[:1] == ["push"]
if pushing:
    target = args[-1] if args[0] == "push" else args[args.index("--tag") + 1]
    repository, tag = target.rsplit(":", 1)
    manifest = {"schemaVersion": 2,
                "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                "config": {"mediaType": "application/vnd.docker.container.image.v1+json",
                           "size": 1, "digest": "sha256:" + "c" * 64},
                "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                            "size": 1, "digest": "sha256:" + "d" * 64}]}
    boto3.client("ecr", region_name="us-east-1").put_image(
        repositoryName=repository.split("/", 1)[1], imageManifest=json.dumps(manifest),
        imageTag=tag)
print("ok")
"""


@pytest.fixture
def docker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    record = tmp_path / "docker-calls.jsonl"
    monkeypatch.setenv("FAKE_DOCKER_RECORD", str(record))
    program = fake_program(tmp_path / "docker", FAKE_DOCKER)

    class Docker:
        path = str(program)

        @staticmethod
        def calls() -> list[dict]:
            if not record.exists():
                return []
            return [json.loads(line) for line in record.read_text().splitlines()]

        @staticmethod
        def engine(up: bool = True, buildx: bool = True) -> None:
            monkeypatch.setenv("FAKE_DOCKER_ENGINE", "up" if up else "down")
            monkeypatch.setenv("FAKE_DOCKER_BUILDX", "yes" if buildx else "no")

    return Docker


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    path = tmp_path / "bundle"
    path.mkdir()
    (path / "app.py").write_text("def lambda_handler(event, context): ...\n")
    (path / "compiler_info.json").write_text(json.dumps({"compiler_commit": "1d9d9f3" + "0" * 33}))
    return path


@pytest.fixture
def repository(aws) -> str:
    repo = aws("ecr").create_repository(repositoryName="lattice-surgery")["repository"]
    return repo["repositoryUri"]


def head() -> str:
    commit = head_commit(REPO_ROOT)
    assert commit is not None
    return commit


def test_without_a_docker_engine_it_says_so(lsctl, docker, bundle):
    docker.engine(up=False)
    result = lsctl("image", "--docker", docker.path, "--repository", "r", "--bundle", str(bundle))
    assert result.code == 1
    assert "no Docker engine" in result.err
    assert "Cannot connect to the Docker daemon" in result.err
    assert result.out == ""
    assert [call["args"] for call in docker.calls()] == [["info"]]


def test_without_docker_installed_it_says_so(lsctl):
    result = lsctl("image", "--docker", "/nonexistent/docker", "--repository", "r")
    assert result.code == 1
    assert "no Docker: '/nonexistent/docker' is not installed" in result.err


@pytest.mark.skipif(shutil.which("docker") is None, reason="no docker client on this machine")
def test_the_real_docker_client_without_an_engine(lsctl):
    if subprocess.run(["docker", "info"], capture_output=True, check=False).returncode == 0:
        pytest.skip("this machine has a Docker engine")
    result = lsctl("image", "--repository", "r")
    assert result.code == 1
    assert "no Docker engine" in result.err


def test_build_push_and_print_the_digest(lsctl, aws, docker, bundle, repository):
    docker.engine()
    result = lsctl(
        "image", "--docker", docker.path, "--bundle", str(bundle), "--repository", repository,
        "--tag", "test-tag",
    )  # fmt: skip
    assert result.code == 0, result.text
    digest = aws("ecr").describe_images(
        repositoryName="lattice-surgery", imageIds=[{"imageTag": "test-tag"}]
    )["imageDetails"][0]["imageDigest"]
    assert result.out == f"{repository}@{digest}\n"  # stdout holds only the pinned image

    calls = docker.calls()
    login = next(c for c in calls if c["args"][0] == "login")
    assert login["args"][1:4] == ["--username", "AWS", "--password-stdin"]
    assert login["stdin"]  # the token's password went through stdin, not the command line
    build = next(c["args"] for c in calls if c["args"][:2] == ["buildx", "build"])
    assert build[-1] == str(REPO_ROOT)  # the Dockerfile copies build/bundle from the repository
    pairs = list(itertools.pairwise(build))
    assert ("--platform", "linux/amd64") in pairs
    assert ("--tag", f"{repository}:test-tag") in pairs
    assert ("--file", str(REPO_ROOT / "Dockerfile")) in pairs
    assert ("--build-arg", f"GIT_COMMIT={head()}") in pairs
    assert ("--build-arg", "COMPILER_COMMIT=1d9d9f3" + "0" * 33) in pairs
    assert "--provenance=false" in build and "--push" in build


def test_a_tag_already_in_ecr_is_not_rebuilt(lsctl, docker, bundle, repository):
    docker.engine()
    args = ["image", "--docker", docker.path, "--bundle", str(bundle), "--repository", repository]
    first = lsctl(*args, "--tag", "same")
    assert first.code == 0, first.text
    builds = len(docker.calls())
    again = lsctl(*args, "--tag", "same")
    assert again.code == 0, again.text
    assert again.out == first.out
    assert "already in ECR" in again.err
    assert [c["args"][0] for c in docker.calls()[builds:]] == ["info"]


def test_without_buildx_it_says_what_is_needed(lsctl, docker, bundle, repository):
    docker.engine(buildx=False)
    result = lsctl(
        "image", "--docker", docker.path, "--bundle", str(bundle), "--repository", repository,
        "--tag", "classic",
    )  # fmt: skip
    assert result.code == 1
    assert "buildx" in result.err and "as the deploy workflow builds it" in result.err
    assert not [c for c in docker.calls() if c["args"][0] in ("build", "push", "login")]


def test_the_workflow_and_lsctl_image_build_with_the_same_flags():
    """One way to build and push the image: deploy.yml's build-push-action step and
    `lsctl image` pass the same platform, push, provenance, sbom, Dockerfile, context, args."""
    workflow = yaml.safe_load((REPO_ROOT / ".github" / "workflows" / "deploy.yml").read_text())
    steps = [s for job in workflow["jobs"].values() for s in job.get("steps", [])]
    step = next(s for s in steps if str(s.get("uses", "")).startswith("docker/build-push-action"))
    given = step["with"]
    command = image.build_command(
        "docker",
        dockerfile=REPO_ROOT / given["file"],
        context=REPO_ROOT / given["context"],
        target="r:t",
        build_args={"GIT_COMMIT": "g", "COMPILER_COMMIT": "c"},
    )
    pairs = set(itertools.pairwise(command))
    assert ("--platform", given["platforms"]) in pairs
    assert ("--file", str(REPO_ROOT / "Dockerfile")) in pairs and command[-1] == str(REPO_ROOT)
    assert given["push"] is True and "--push" in command
    assert given["provenance"] is False and "--provenance=false" in command
    assert given["sbom"] is False and "--sbom=false" in command
    workflow_args = {line.split("=", 1)[0] for line in given["build-args"].splitlines()}
    assert workflow_args == {"GIT_COMMIT", "COMPILER_COMMIT"}
    assert {"GIT_COMMIT=g", "COMPILER_COMMIT=c"} <= set(command)


def test_the_repository_comes_from_the_bootstrap_stack(lsctl, aws, docker, bundle, repository):
    docker.engine()
    create_stack(aws("cloudformation"), "lattice-surgery-bootstrap", {"RepositoryUri": repository})
    result = lsctl("image", "--docker", docker.path, "--bundle", str(bundle), "--tag", "t1")
    assert result.code == 0, result.text
    assert result.out.startswith(f"{repository}@sha256:")


def test_a_missing_bundle_says_to_build_it(lsctl, docker, tmp_path):
    docker.engine()
    result = lsctl("image", "--docker", docker.path, "--bundle", str(tmp_path / "none"))
    assert result.code == 1
    assert "build the bundle first with `lsctl build`" in result.err
