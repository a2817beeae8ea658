"""``python -m scimdir.cli``."""

from scimdir.cli.main import main

main()
