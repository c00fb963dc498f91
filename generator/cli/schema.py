"""`pep schema`: the JSON Schema of the record, or of what one authority's variant holds."""

from __future__ import annotations

import click

from data_schemas.jsonschema import json_schema

from ..authority.profiles import get_profile, get_variant
from .common import emit_json

IDENTITY = ("pep.authority", "pep.variant", "pep.academic_year", "pep.term", "child.social_care_id")


@click.command("schema")
@click.argument("authority", required=False)
@click.argument("variant", required=False)
def command(authority: str | None, variant: str | None):
    """Print the JSON Schema of a PEP record (generated from the marshmallow schemas).

    With AUTHORITY and VARIANT, only the fields that variant holds.

    \b
    Example:
      pep schema
      pep schema essex pep2
    """
    if authority is None:
        emit_json(json_schema(), indent=2)
        return
    if variant is None:
        profile = get_profile(authority)
        emit_json({"authority": profile.id, "variants": {
            vid: _variant_schema(profile.id, vid) for vid in profile.variants}}, indent=2)
        return
    emit_json(_variant_schema(authority, variant), indent=2)


def _variant_schema(authority: str, variant_id: str) -> dict:
    profile, variant = get_variant(authority, variant_id)
    paths = {i.path for i in variant.walk() if i.path} | set(IDENTITY)
    return json_schema(paths, f"{profile.name}: {variant.title} ({variant.id})",
                       {"pep.authority": profile.id, "pep.variant": variant.id})
