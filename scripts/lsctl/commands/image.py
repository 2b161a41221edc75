"""`lsctl image`: build the Lambda image (the Dockerfile copies build/bundle), tag it with the
git commit, push it to the ECR repository and print the pushed REPOSITORY@sha256:DIGEST: the only
line on stdout, so `IMAGE=$(lsctl image)` works; progress goes to stderr."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from lsctl import git as lsctl_git
from lsctl.deploy import ecr, session
from lsctl.deploy.images import ecr_region
from lsctl.deploy.options import AWS_EPILOG, add_region
from lsctl.errors import CliError
from lsctl.paths import BUILD_DIR, REPO_ROOT
from lsctl.streaming import stream

BUNDLE_DIR = BUILD_DIR / "bundle"
DOCKERFILE = REPO_ROOT / "Dockerfile"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "image",
        help="docker build the image from build/bundle, push it to ECR, print repo@sha256:...",
        description=(
            "Build the Dockerfile (which copies build/bundle, made by `lsctl build`) for "
            "linux/amd64, tag it with the git commit, label it with the git and compiler "
            "commits, log in to ECR and push. Prints REPOSITORY@sha256:DIGEST on stdout; an "
            "existing tag is not rebuilt (ECR tags are immutable). Needs a Docker engine."
        ),
        epilog=AWS_EPILOG,
    )
    parser.add_argument(
        "--repository", help="ECR repository URI (default: the bootstrap stack's RepositoryUri)"
    )
    parser.add_argument("--tag", help="image tag (default: the git commit, -dirty-TIME if edited)")
    parser.add_argument("--bundle", type=Path, default=BUNDLE_DIR, help="bundle (build/bundle)")
    parser.add_argument(
        "--context", type=Path, default=REPO_ROOT, help="build context (the repository)"
    )
    parser.add_argument("--dockerfile", type=Path, default=DOCKERFILE, help="Dockerfile")
    parser.add_argument("--docker", default="docker", help="docker binary (default: docker)")
    add_region(parser)
    parser.set_defaults(func=run)


def log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def require_engine(docker: str) -> None:
    """CliError unless `docker info` reaches a Docker engine."""
    if shutil.which(docker) is None:
        raise CliError(
            f"no Docker: {docker!r} is not installed. `lsctl image` needs a Docker engine; build "
            "the image where one runs (the deploy workflow does) and deploy its digest"
        )
    result = subprocess.run([docker, "info"], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        reason = (result.stderr.strip() or result.stdout.strip()).splitlines()
        raise CliError(
            f"no Docker engine: `{docker} info` failed ({reason[-1] if reason else 'no output'}). "
            "`lsctl image` needs a running Docker engine; build where one runs (the deploy "
            "workflow does) and deploy its digest"
        )


def git(*args: str) -> str:
    return lsctl_git.git(REPO_ROOT, *args)


def source_tag() -> tuple[str, str]:
    """(git commit, image tag): the commit, with -dirty-TIME when tracked files are edited."""
    commit = git("rev-parse", "HEAD")
    if git("status", "--porcelain", "--untracked-files=no"):
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        log(f"warning: the work tree has uncommitted changes: tagging {commit[:12]}-dirty-{stamp}")
        return commit, f"{commit}-dirty-{stamp}"
    return commit, commit


def compiler_commit(bundle: Path) -> str:
    info = bundle / "compiler_info.json"
    try:
        return str(json.loads(info.read_text()).get("compiler_commit", "unknown"))
    except (OSError, ValueError):
        log(f"warning: {info} is missing or unreadable: compiler commit label is 'unknown'")
        return "unknown"


# The flags of the deploy workflow's docker/build-push-action step (platforms, push, provenance,
# sbom, file, context, build-args): both build the image the same way (a test compares them).
PLATFORM = "linux/amd64"
# Lambda takes a single-platform image manifest, not an index with attestations.
BUILDX_FLAGS = ("--provenance=false", "--sbom=false", "--push")


def build_command(
    docker: str, *, dockerfile: Path, context: Path, target: str, build_args: dict[str, str]
) -> list[str]:
    """The one command that builds and pushes `target` (REPOSITORY:TAG), as the workflow does;
    the Dockerfile turns the build arguments into the image's labels."""
    command = [docker, "buildx", "build", "--platform", PLATFORM, "--file", str(dockerfile)]
    command += ["--tag", target]
    for key, value in build_args.items():
        command += ["--build-arg", f"{key}={value}"]
    return [*command, *BUILDX_FLAGS, str(context)]


def has_buildx(docker: str) -> bool:
    result = subprocess.run([docker, "buildx", "version"], capture_output=True, check=False)
    return result.returncode == 0


def run_docker(command: list[str]) -> None:
    log("$ " + " ".join(command))
    code = stream(command, to=sys.stderr).code  # docker's progress: stdout is for the digest
    if code != 0:
        raise CliError(f"`{' '.join(command[:3])} ...` failed with exit {code}")


def run(args: argparse.Namespace) -> int:
    require_engine(args.docker)
    if not (args.bundle / "app.py").exists():
        raise CliError(f"{args.bundle} has no app.py: build the bundle first with `lsctl build`")
    if not args.dockerfile.exists():
        raise CliError(f"{args.dockerfile} is missing")
    if args.repository:
        repository = args.repository
    else:
        repository = ecr.repository_from_bootstrap(session.client("cloudformation", args.region))
    ecr_client = session.client("ecr", args.region or ecr_region(repository))
    name = repository.split("/", 1)[1] if "/" in repository else repository

    commit, tag = (git("rev-parse", "HEAD"), args.tag) if args.tag else source_tag()
    existing = ecr.digest_of_tag(ecr_client, name, tag)
    if existing:
        log(f"{repository}:{tag} is already in ECR (tags are immutable): not rebuilding")
        print(f"{repository}@{existing}")
        return 0

    if not has_buildx(args.docker):
        raise CliError(
            f"`{args.docker} buildx` is not available: the image is built with buildx, as the "
            "deploy workflow builds it (install Docker's buildx plugin)"
        )
    build_args = {"GIT_COMMIT": commit, "COMPILER_COMMIT": compiler_commit(args.bundle)}
    registry = ecr.docker_login(ecr_client, args.docker)
    log(f"logged in to {registry}")
    target = f"{repository}:{tag}"
    run_docker(
        build_command(
            args.docker,
            dockerfile=args.dockerfile,
            context=args.context,
            target=target,
            build_args=build_args,
        )
    )
    digest = ecr.digest_of_tag(ecr_client, name, tag)
    if not digest:
        raise CliError(f"pushed {target} but ECR does not list the tag {tag}")
    log(f"pushed {target} (git {commit[:12]}, compiler {build_args['COMPILER_COMMIT'][:12]})")
    print(f"{repository}@{digest}")
    return 0
