"""Shared state of one CLI invocation: settings, lazily built services, and error exits."""

from __future__ import annotations

import sys
from typing import NoReturn

import click
from pydantic import ValidationError

from scimdir.composition import Services, build_services
from scimdir.settings import Settings


def load_settings() -> Settings:
    """The process settings from the environment; a bad value is one error line naming the
    variable and exit status 2, never a traceback."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"SCIMDIR_{'_'.join(str(p) for p in error['loc']).upper()}: "
            + str(error["msg"]).removeprefix("Value error, ")
            for error in exc.errors()
        )
        click.echo(f"Error: invalid setting: {problems}", err=True)
        sys.exit(2)


class CliState:
    """Lazily built services for the commands of one invocation."""

    def __init__(self) -> None:
        self.settings = load_settings()
        self._services: Services | None = None

    @property
    def services(self) -> Services:
        if self._services is None:
            self._services = build_services(self.settings)
            self._services.storage.migrate()
        return self._services

    def tenant_url(self, directory_id: str) -> str:
        return f"{self.settings.base_url()}/scim/{directory_id}/v2"


pass_state = click.make_pass_decorator(CliState, ensure=True)


def fail(message: str) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)
