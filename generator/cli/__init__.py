"""The `pep` command: a thin click layer over the library; every command lives in a module of its own.

May import: core, authority, signing, render, forms, ingest, store, qa, pipeline, cohort, workflow, web.
"""

from __future__ import annotations

import os
import sys

import click

from .. import __version__
from ..core.errors import PepError

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class PepGroup(click.Group):
    """Turns library errors into a message on stderr and the contract's exit code, never a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except PepError as err:
            click.echo(f"Error: {err}", err=True)
            sys.exit(err.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit, KeyboardInterrupt):
            raise
        except Exception as err:
            if os.environ.get("PEP_DEBUG"):
                raise
            click.echo(f"Error: internal error ({type(err).__name__}: {err}). Set PEP_DEBUG=1 to see details.",
                       err=True)
            sys.exit(1)


@click.group(cls=PepGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="pep")
def main():
    """Personal Education Plans for looked-after children: validate records, generate Word, PDF/A and fillable
    forms per local authority, ingest returned forms.

    \b
    Example:
      pep authorities
      pep generate walsall pep --format docx --data samples/walsall/pep.json
    """


def _register() -> None:
    """Add every module of this package that defines `command` (a click command or group), in name order."""
    import importlib
    import pkgutil

    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if isinstance(getattr(module, "command", None), click.Command):
            main.add_command(module.command)


_register()
