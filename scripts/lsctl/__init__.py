"""lsctl: the one command line for building, shipping and running the compile service."""
