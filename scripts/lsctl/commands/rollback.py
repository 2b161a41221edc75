"""`lsctl rollback --stage S [--image URI@DIGEST]`: put a stage back on an image it ran before."""

from __future__ import annotations

import argparse
from typing import Any

from lsctl.deploy import history, image_change, session, stacks
from lsctl.deploy.images import ImageRef, ecr_region, parse_pinned
from lsctl.deploy.options import AWS_EPILOG, add_region, add_stage, stack_name
from lsctl.errors import CliError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "rollback",
        help="put a stage back on an image it ran before (default: the one before the current)",
        description=(
            "Update the stack lattice-surgery-STAGE to an image the stage ran before: one that "
            "carries a deployed-STAGE-* tag in ECR (`lsctl deploy` adds it). Without --image, "
            "the newest such image deployed before the one the stack runs now. Only the "
            "ImageUri parameter changes: a change set on the stack's current template, with "
            "the role the stack already has (no template upload, no role to pass). Run "
            "`lsctl smoke --stage STAGE` afterwards."
        ),
        epilog=AWS_EPILOG,
    )
    add_stage(parser)
    add_region(parser)
    parser.add_argument(
        "--image",
        metavar="URI@DIGEST",
        help="the image to go back to (REPOSITORY@sha256:...); it must have run in the stage "
        "(empty: as if not given)",
    )
    parser.set_defaults(func=run)


def previous_image(ecr: Any, stage: str, current: ImageRef) -> ImageRef:
    """The newest image deployed to `stage` before `current`'s latest deploy."""
    deployed = history.deployed_images(ecr, current.repository, stage)
    current_tags = [d.tag for d in deployed if d.image.digest == current.digest]
    since = current_tags[0] if current_tags else None
    for entry in deployed:
        if entry.image.digest != current.digest and (since is None or entry.tag < since):
            return entry.image
    raise CliError(f"{stage} has run no other image than {current.uri}: nothing to roll back to")


def run(args: argparse.Namespace) -> int:
    name = stack_name(args.stage)
    cfn = session.client("cloudformation", args.region)
    current = history.stack_image(cfn, name)
    if current is None:
        raise CliError(f"stack {name} runs no image (deploy it first with `lsctl deploy`)")
    ecr = session.client("ecr", ecr_region(current.repository) or args.region)
    if args.image:
        target = parse_pinned(args.image)
        if not history.was_deployed(ecr, target, args.stage):
            raise CliError(
                f"{target.uri} never ran in {args.stage} (it has no deployed-{args.stage}-* tag): "
                "a rollback goes back to an image the stage ran before; deploy new images "
                "with `lsctl deploy`"
            )
    else:
        target = previous_image(ecr, args.stage, current)
    print(f"{name} runs {current.uri}", flush=True)
    if target.digest == current.digest:
        print(f"{name} already runs {target.uri}: nothing to do")
        return 0
    print(f"rolling back to {target.uri}", flush=True)
    image_change.change_image(cfn, name, target, log=lambda line: print(line, flush=True))
    print(f"rolled back {name} to {target.uri}")
    for key, value in sorted(stacks.outputs(stacks.describe(cfn, name) or {}).items()):
        print(f"  {key}={value}")
    return 0
