"""AWS helpers shared by the deploy commands: clients, one-line errors, stacks, ECR, Lambda."""
