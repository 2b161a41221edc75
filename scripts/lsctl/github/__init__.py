"""The repository's GitHub settings as code: environments, the ruleset on main, the OIDC subject
template and the environments' variables, read and written through githubkit."""
