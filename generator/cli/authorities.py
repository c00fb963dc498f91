"""`pep authorities`: the configured authorities and their variants."""

from __future__ import annotations

import click

from ..authority.profiles import authorities
from .common import emit_json


def authority_list() -> list[dict]:
    """The authorities as the contract's JSON shape (plus a few extra keys)."""
    return [
        {"id": p.id, "name": p.name, "virtual_school": p.virtual_school,
         "variants": [{"id": v.id, "title": v.title, "formats": list(v.formats), "kind": v.kind,
                       **({"phase": v.phase} if v.phase else {})} for v in p.variants.values()]}
        for p in authorities().values()
    ]


@click.command("authorities")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")
def command(as_json: bool):
    """List the configured authorities, their variants and the formats each offers.

    \b
    Example:
      pep authorities --json
    """
    listing = authority_list()
    if as_json:
        emit_json(listing)
        return
    for authority in listing:
        click.echo(f"{authority['id']}  {authority['name']} ({authority['virtual_school']})")
        for variant in authority["variants"]:
            click.echo(f"    {variant['id']:<20} {', '.join(variant['formats']):<16} {variant['title']}")
