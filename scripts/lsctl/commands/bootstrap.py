"""`lsctl bootstrap`: create or update the account's one-time stack lattice-surgery-bootstrap
(ECR repository, artifacts bucket, execution role, one GitHub OIDC deploy role per stage) from
bootstrap.yml, and print what to set in the GitHub environments. Like the GitHub OIDC provider,
the region's API Gateway CloudWatch Logs role is created only when the account has none."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from lsctl.deploy import session, stacks
from lsctl.deploy.options import AWS_EPILOG, BOOTSTRAP_STACK, add_region, stage_type
from lsctl.deploy.session import call
from lsctl.errors import CliError
from lsctl.paths import REPO_ROOT

TEMPLATE = REPO_ROOT / "bootstrap.yml"
GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
# bootstrap.yml's parameters that our options fill, and its outputs we read.
ORG, REPO, CREATE_OIDC = "GitHubOrg", "GitHubRepo", "CreateGitHubOidcProvider"
# API Gateway writes access logs through one CloudWatch role per account and region; a stage
# with access logs cannot be created without it.
API_LOGS_ROLE = "ManageApiGatewayLogsRole"
STAGE_PARAMETERS = ("DevStage", "ProdStage")  # one deploy role per stage, in --stages order
ROLE_OUTPUTS = ("DeployRoleArnDev", "DeployRoleArnProd")
REPOSITORY_OUTPUT = "RepositoryUri"


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


def template_parameters(text: str) -> dict[str, dict[str, Any]]:
    """The template's Parameters; CloudFormation's short tags (!Ref, !Sub, ...) read as plain
    values. (yaml is imported here, not at import: `lsctl --help` loads every command module.)"""
    import yaml

    class CfnLoader(yaml.SafeLoader):
        pass

    def any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return loader.construct_scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node)
        return loader.construct_mapping(node)

    CfnLoader.add_multi_constructor("!", any_tag)
    try:
        document = yaml.load(text, Loader=CfnLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise CliError(f"the bootstrap template is not valid YAML: {exc}") from None
    return dict((document or {}).get("Parameters") or {})


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
    """The stack parameters: our options under bootstrap.yml's names, plus extras; CliError for
    a template without those names or a parameter it needs that nobody gave."""
    ours = (ORG, REPO, *STAGE_PARAMETERS, CREATE_OIDC)
    absent = [name for name in ours if name not in declared]
    if absent:
        raise CliError(
            f"the bootstrap template declares no {', '.join(absent)} "
            f"(it has: {', '.join(declared) or 'no parameters'})"
        )
    if len(stages) != len(STAGE_PARAMETERS):
        raise CliError(
            f"the bootstrap template has one deploy role per stage for exactly "
            f"{len(STAGE_PARAMETERS)} stages ({', '.join(STAGE_PARAMETERS)}): "
            f"pass --stages with {len(STAGE_PARAMETERS)} names"
        )
    chosen = {ORG: org, REPO: repo, CREATE_OIDC: str(create_oidc).lower()}
    chosen.update(zip(STAGE_PARAMETERS, stages, strict=True))
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


def choose_oidc(cfn: Any, region: str | None) -> bool:
    """Whether the stack creates the GitHub OIDC provider: on an update, what it chose before
    (the provider it made exists now, and saying "no" would delete it); on a create, only when
    the account has none (an account can have one)."""
    stack = stacks.describe(cfn, BOOTSTRAP_STACK)
    if stack is not None:
        previous = {p["ParameterKey"]: p["ParameterValue"] for p in stack.get("Parameters", [])}
        if CREATE_OIDC in previous:
            keep = previous[CREATE_OIDC].lower() == "true"
            print(
                f"keeping {CREATE_OIDC}={previous[CREATE_OIDC]} of the existing stack", flush=True
            )
            return keep
    create = not github_oidc_provider_exists(session.client("iam", region))
    print(
        "the account has no GitHub OIDC provider: the stack creates it"
        if create
        else "the account already has a GitHub OIDC provider: the stack uses it",
        flush=True,
    )
    return create


def _previous(cfn: Any, name: str) -> str | None:
    stack = stacks.describe(cfn, BOOTSTRAP_STACK)
    if stack is None:
        return None
    return {p["ParameterKey"]: p["ParameterValue"] for p in stack.get("Parameters", [])}.get(name)


def api_gateway_logs_role_exists(apigateway: Any) -> bool:
    return bool(call(apigateway.get_account).get("cloudwatchRoleArn"))


def choose_api_gateway_logs_role(cfn: Any, region: str | None) -> str:
    """Whether the stack sets the region's API Gateway CloudWatch Logs role: on an update, what
    it chose before (saying "no" to a role it set would delete the role access logs use); on a
    create, only when the account has none (it is one setting that other APIs rely on)."""
    previous = _previous(cfn, API_LOGS_ROLE)
    if previous is not None:
        print(f"keeping {API_LOGS_ROLE}={previous} of the existing stack", flush=True)
        return previous
    if api_gateway_logs_role_exists(session.client("apigateway", region)):
        print(
            "API Gateway already has a CloudWatch Logs role in this region: the stack uses it",
            flush=True,
        )
        return "false"
    print(
        "API Gateway has no CloudWatch Logs role in this region (access logs need one): "
        "the stack sets it",
        flush=True,
    )
    return "true"


def github_variables(outputs: dict[str, str], stages: list[str], region: str) -> list[str]:
    """The lines telling what to set in each GitHub environment (docs/github-actions.md)."""
    lines = ["Set these variables in the GitHub repository (Settings > Environments):"]
    for index, (stage, output) in enumerate(zip(stages, ROLE_OUTPUTS, strict=False)):
        lines.append(f"  environment {stage}:")
        lines.append(f"    AWS_ROLE_ARN={outputs.get(output, f'(no {output} output)')}")
        lines.append(f"    AWS_REGION={region}")
        if index == 0:  # the image is built in the first stage's environment, with its role
            uri = outputs.get(REPOSITORY_OUTPUT, f"(no {REPOSITORY_OUTPUT} output)")
            lines.append(f"    ECR_REPOSITORY={uri}")
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
        create_oidc = choose_oidc(cfn, args.region)
    values = parameters(
        declared,
        org=args.github_org,
        repo=args.github_repo,
        stages=stages,
        create_oidc=create_oidc,
        extra=args.parameter,
    )
    given = {item.partition("=")[0] for item in args.parameter}
    if API_LOGS_ROLE in declared and API_LOGS_ROLE not in given:
        values[API_LOGS_ROLE] = choose_api_gateway_logs_role(cfn, args.region)
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
