"""`lsctl bootstrap`: create or update the account's one-time stack lattice-surgery-bootstrap
(ECR repository, artifacts bucket, execution role, one GitHub OIDC deploy role per stage) from
bootstrap.yml, and print what to set in the GitHub environments."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import yaml

from lsctl.deploy import session, stacks
from lsctl.deploy.options import AWS_EPILOG, BOOTSTRAP_STACK, add_region, stage_type
from lsctl.deploy.session import call
from lsctl.errors import CliError
from lsctl.paths import REPO_ROOT

TEMPLATE = REPO_ROOT / "bootstrap.yml"
GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
# Our options and the template parameter names each may fill (the first the template declares).
PARAMETER_NAMES = {
    "org": ("GitHubOrg", "GitHubOrganization", "GitHubOwner"),
    "repo": ("GitHubRepo", "GitHubRepository", "GitHubRepositoryName"),
    "stages": ("StageNames", "Stages", "GitHubEnvironments"),  # one comma-separated list, or
    "stage_pair": ("DevStage", "ProdStage"),  # one parameter per stage, in this order
    "oidc": ("CreateOidcProvider", "CreateGitHubOidcProvider", "CreateOIDCProvider"),
}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "bootstrap",
        help="create or update the account's bootstrap stack; print the GitHub variables",
        description=(
            "Create or update the stack lattice-surgery-bootstrap from bootstrap.yml: the ECR "
            "repository, the SAM artifacts bucket, the CloudFormation execution role and one "
            "deploy role per stage that only GitHub Actions jobs of ORG/REPO in that GitHub "
            "environment can assume. Prints the outputs as the variables to set in each GitHub "
            "environment. Run it once per account, with administrator credentials."
        ),
        epilog=AWS_EPILOG,
    )
    parser.add_argument("--github-org", required=True, help="GitHub organisation or user")
    parser.add_argument("--github-repo", required=True, help="GitHub repository name")
    parser.add_argument(
        "--stages",
        default="dev,prod",
        help="comma-separated stages, one GitHub environment and deploy role each (dev,prod)",
    )
    oidc = parser.add_mutually_exclusive_group()
    oidc.add_argument(
        "--create-oidc-provider",
        dest="oidc",
        action="store_const",
        const=True,
        help="create the account's GitHub OIDC provider (default: only if it has none)",
    )
    oidc.add_argument(
        "--no-create-oidc-provider",
        dest="oidc",
        action="store_const",
        const=False,
        help="use the account's existing GitHub OIDC provider",
    )
    parser.add_argument("--template", type=Path, default=TEMPLATE, help="bootstrap template")
    parser.add_argument(
        "--parameter",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="any other template parameter (repeatable)",
    )
    add_region(parser)
    parser.set_defaults(func=run)


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags (!Ref, !Sub, ...) read as plain values."""


def _any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)


_CfnLoader.add_multi_constructor("!", _any_tag)


def template_parameters(text: str) -> dict[str, dict[str, Any]]:
    try:
        document = yaml.load(text, Loader=_CfnLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise CliError(f"the bootstrap template is not valid YAML: {exc}") from None
    return dict((document or {}).get("Parameters") or {})


def _declared(declared: dict[str, Any], option: str) -> str | None:
    lowered = {name.lower(): name for name in declared}
    for candidate in PARAMETER_NAMES[option]:
        if candidate.lower() in lowered:
            return lowered[candidate.lower()]
    return None


def github_oidc_provider_exists(iam: Any) -> bool:
    providers = call(iam.list_open_id_connect_providers).get("OpenIDConnectProviderList", [])
    return any(p["Arn"].endswith(f"/{GITHUB_OIDC_HOST}") for p in providers)


def parameters(
    declared: dict[str, dict[str, Any]],
    *,
    org: str,
    repo: str,
    stages: list[str],
    create_oidc: bool,
    extra: list[str],
) -> dict[str, str]:
    """The stack parameters: our options under the names the template declares, plus extras;
    CliError for a parameter the template needs and nobody gave."""
    values = {
        "org": org,
        "repo": repo,
        "stages": ",".join(stages),
        "oidc": str(create_oidc).lower(),
    }
    chosen: dict[str, str] = {}
    pair = [name for name in PARAMETER_NAMES["stage_pair"] if name in declared]
    if pair:
        if len(stages) != len(pair):
            raise CliError(
                f"the bootstrap template has one deploy role per stage for exactly "
                f"{len(pair)} stages ({', '.join(pair)}): pass --stages with {len(pair)} names"
            )
        chosen.update(zip(pair, stages, strict=True))
        del values["stages"]
    for option, value in values.items():
        name = _declared(declared, option)
        if name is None:
            if option in ("org", "repo"):
                raise CliError(
                    f"the bootstrap template declares none of {', '.join(PARAMETER_NAMES[option])}"
                    f" (it has: {', '.join(declared) or 'no parameters'})"
                )
            continue
        allowed = [str(v) for v in declared[name].get("AllowedValues", [])]
        if option == "oidc" and allowed:  # "true"/"false", "yes"/"no", ...
            wanted = ("true", "yes") if create_oidc else ("false", "no")
            value = next((a for a in allowed if a.lower() in wanted), value)
        chosen[name] = value
    for item in extra:
        key, sep, value = item.partition("=")
        if not sep or key not in declared:
            raise CliError(
                f"--parameter {item!r}: not KEY=VALUE with a KEY the template declares "
                f"({', '.join(declared)})"
            )
        chosen[key] = value
    missing = [n for n, spec in declared.items() if n not in chosen and "Default" not in spec]
    if missing:
        raise CliError(
            f"the bootstrap template needs {', '.join(missing)}: pass --parameter NAME=VALUE"
        )
    return chosen


def choose_oidc(cfn: Any, declared: dict[str, Any], region: str | None) -> bool:
    """Whether the stack creates the GitHub OIDC provider: on an update, what it chose before
    (the provider it made exists now, and saying "no" would delete it); on a create, only when
    the account has none (an account can have one)."""
    name = _declared(declared, "oidc")
    stack = stacks.describe(cfn, BOOTSTRAP_STACK)
    if stack is not None and name:
        previous = {p["ParameterKey"]: p["ParameterValue"] for p in stack.get("Parameters", [])}
        if name in previous:
            keep = previous[name].lower() in ("true", "yes")
            print(f"keeping {name}={previous[name]} of the existing stack", flush=True)
            return keep
    create = not github_oidc_provider_exists(session.client("iam", region))
    print(
        "the account has no GitHub OIDC provider: the stack creates it"
        if create
        else "the account already has a GitHub OIDC provider: the stack uses it",
        flush=True,
    )
    return create


def github_variables(outputs: dict[str, str], stages: list[str], region: str) -> list[str]:
    """The lines telling what to set in each GitHub environment (docs/github-actions.md)."""
    lines = ["Set these variables in the GitHub repository (Settings > Environments):"]
    for index, stage in enumerate(stages):
        lines.append(f"  environment {stage}:")
        positional = ("DeployRoleArnDev", "DeployRoleArnProd")[index] if index < 2 else ""
        role = outputs.get(f"DeployRoleArn{stage[:1].upper()}{stage[1:]}") or outputs.get(
            positional
        )
        lines.append(f"    AWS_ROLE_ARN={role or '(no DeployRoleArn output for this stage)'}")
        lines.append(f"    AWS_REGION={region}")
        if index == 0:  # the image is built in the first stage's environment, with its role
            lines.append(f"    ECR_REPOSITORY={outputs.get('RepositoryUri', '(no RepositoryUri)')}")
    return lines


def run(args: argparse.Namespace) -> int:
    stages = [stage_type_or_error(s) for s in args.stages.split(",") if s.strip()]
    if not stages:
        raise CliError("--stages names no stage")
    try:
        body = args.template.read_text()
    except OSError as exc:
        raise CliError(f"cannot read {args.template}: {exc.strerror}") from None
    cfn = session.client("cloudformation", args.region)
    declared = template_parameters(body)
    create_oidc = args.oidc
    if create_oidc is None:
        create_oidc = choose_oidc(cfn, declared, args.region)
    values = parameters(
        declared,
        org=args.github_org,
        repo=args.github_repo,
        stages=stages,
        create_oidc=create_oidc,
        extra=args.parameter,
    )
    for key, value in values.items():
        print(f"  parameter {key}={value}", flush=True)
    outcome = stacks.create_or_update(
        cfn,
        BOOTSTRAP_STACK,
        body,
        values,
        log=lambda line: print(line, flush=True),
        tags={"project": "lattice-surgery-compiler"},
    )
    print(
        {
            "created": f"created stack {BOOTSTRAP_STACK}",
            "updated": f"updated stack {BOOTSTRAP_STACK}",
            "unchanged": f"stack {BOOTSTRAP_STACK} is up to date: no updates to perform",
        }[outcome]
    )
    outputs = stacks.require_outputs(cfn, BOOTSTRAP_STACK)
    print(f"stack {BOOTSTRAP_STACK} outputs:")
    for key in sorted(outputs):
        print(f"  {key}={outputs[key]}")
    print()
    print("\n".join(github_variables(outputs, stages, cfn.meta.region_name)))
    return 0


def stage_type_or_error(value: str) -> str:
    try:
        return stage_type(value.strip())
    except argparse.ArgumentTypeError as exc:
        raise CliError(str(exc)) from None
