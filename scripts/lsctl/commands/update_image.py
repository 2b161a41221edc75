"""`lsctl update-image --stage S --image URI@DIGEST`: the fast path that replaces the console's
"Deploy new image": new code, a published version, the `live` alias moved, smoke-tested, and
the alias moved back if the smoke test fails."""

from __future__ import annotations

import argparse

from lsctl.deploy import ecr, functions, session, stacks, stage_smoke
from lsctl.deploy.images import parse_pinned
from lsctl.deploy.options import ALIAS, AWS_EPILOG, add_image, add_region, add_stage, stack_name
from lsctl.errors import CliError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "update-image",
        help="fast path: new image on the function, publish, move alias live, smoke, roll back",
        description=(
            "Update the stage's function to the image digest, wait for the update to finish, "
            f"publish a version, move the alias '{ALIAS}' to it and run the smoke test against "
            "the stage's ApiUrl. If the smoke test fails the alias goes back to the version it "
            "had, and the command exits 1. The stack's ImageUri parameter is not changed: run "
            "`lsctl deploy` with the same digest later so that the stack agrees."
        ),
        epilog=AWS_EPILOG,
    )
    add_stage(parser)
    add_image(parser)
    add_region(parser)
    stage_smoke.add_timeout(parser, "--smoke-timeout")
    parser.add_argument(
        "--no-smoke", action="store_true", help="skip the smoke test (and so the roll-back)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    image = parse_pinned(args.image)
    name = stack_name(args.stage)
    cfn = session.client("cloudformation", args.region)
    outputs = stacks.require_outputs(
        cfn, name, "FunctionName", "ApiUrl", hint="deploy the stage first with `lsctl deploy`"
    )
    function, url = outputs["FunctionName"], outputs["ApiUrl"]
    lam = session.client("lambda", args.region)

    previous = functions.alias_version(lam, function, ALIAS)
    print(f"{function}: alias {ALIAS} is on version {previous}", flush=True)
    print(ecr.protect(image, args.stage, args.region), flush=True)
    print(f"updating {function} code to {image.uri} ...", flush=True)
    code_sha = functions.update_image(lam, function, image.uri)
    version = functions.publish(lam, function, code_sha, f"image {image.uri}")
    print(f"published version {version} ({image.digest})", flush=True)
    if version == previous:
        print(f"alias {ALIAS} already on version {version}: this image was live")
    else:
        functions.move_alias(lam, function, ALIAS, version)
        print(f"moved alias {ALIAS}: version {previous} -> {version}", flush=True)
    if args.no_smoke:
        print("smoke test skipped (--no-smoke)")
        return 0
    try:
        stage_smoke.check(url, args.smoke_timeout)
    except CliError as failure:
        if version != previous:
            functions.move_alias(lam, function, ALIAS, previous)
            print(f"rolled back alias {ALIAS}: version {version} -> {previous}", flush=True)
        raise CliError(
            f"{failure}\nversion {version} ({image.digest}) failed the smoke test; "
            f"alias {ALIAS} is back on version {previous}"
        ) from None
    print(f"{args.stage} now serves {image.uri} (version {version})")
    return 0
