"""Values the tool computes from others: cost-line totals, key stage, attendance %, SDQ total and band, RONI score."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

PENNY = Decimal("0.01")
TENTH = Decimal("0.1")

KEY_STAGES = {
    "N1": "EYFS", "N2": "EYFS", "R": "EYFS",
    "1": "KS1", "2": "KS1",
    "3": "KS2", "4": "KS2", "5": "KS2", "6": "KS2",
    "7": "KS3", "8": "KS3", "9": "KS3",
    "10": "KS4", "11": "KS4",
    "12": "KS5", "13": "KS5", "14": "KS5",
}
RONI_KEY_STAGES = ("KS3", "KS4")

# UK SDQ four-band categorisation of the total difficulties score (youthinmind, 2016), by informant:
# upper bound (inclusive) of "close to average", "slightly raised" and "high"; anything above is "very high".
SDQ_BANDS = {
    "carer": (13, 16, 19),
    "teacher": (11, 15, 18),
    "self": (14, 17, 19),
}
SDQ_BAND_NAMES = ("close_to_average", "slightly_raised", "high", "very_high")
SDQ_DIFFICULTY_SCALES = ("emotional", "conduct", "hyperactivity", "peer")

TERM_NUMBERS = {"autumn": 1, "spring": 2, "summer": 3}


def money(value) -> Decimal:
    """Round to pence, halves away from zero."""
    return Decimal(value).quantize(PENNY, rounding=ROUND_HALF_UP)


def line_total(line: dict) -> Decimal | None:
    """A PP+ cost line: unit cost × units per week × weeks × quantity (a missing factor counts as 1)."""
    if line.get("unit_cost") is None:
        return None
    total = Decimal(line["unit_cost"])
    for factor in ("units_per_week", "weeks", "quantity"):
        if line.get(factor) is not None:
            total *= Decimal(line[factor])
    return money(total)


def line_formula(line: dict) -> str:
    """The arithmetic of a cost line in words, for error messages."""
    parts = [f"£{money(line['unit_cost'])}"]
    parts += [str(line[f]) for f in ("units_per_week", "weeks", "quantity") if line.get(f) is not None]
    return " × ".join(parts)


def sum_money(values) -> Decimal:
    """Total of amounts, ignoring missing ones."""
    return money(sum((Decimal(v) for v in values if v is not None), Decimal(0)))


def key_stage(ncy: str | None) -> str | None:
    """Key stage from the national curriculum year."""
    return KEY_STAGES.get(ncy) if ncy else None


def attendance_percentage(attended: int | None, possible: int | None) -> Decimal | None:
    """Sessions attended as a percentage of sessions possible, to one decimal place."""
    if attended is None or not possible:
        return None
    return (Decimal(attended) * 100 / Decimal(possible)).quantize(TENTH, rounding=ROUND_HALF_UP)


def persistent_absence(attended: int | None, possible: int | None) -> bool | None:
    """Missing 10% or more of possible sessions (so exactly 90.0% attendance counts)."""
    if attended is None or not possible:
        return None
    return Fraction(possible - attended, possible) >= Fraction(1, 10)


def sdq_total(sdq: dict) -> int | None:
    """Total difficulties: the sum of the four difficulty subscales (prosocial is not counted)."""
    scores = [sdq.get(s) for s in SDQ_DIFFICULTY_SCALES]
    return None if any(s is None for s in scores) else sum(scores)


def sdq_band(total: int | None, informant: str | None) -> str | None:
    """The four-band category of a total difficulties score for this informant."""
    if total is None or informant not in SDQ_BANDS:
        return None
    for name, upper in zip(SDQ_BAND_NAMES, SDQ_BANDS[informant], strict=False):
        if total <= upper:
            return name
    return SDQ_BAND_NAMES[-1]


def roni_score(factors: list[dict]) -> int:
    """Risk of NEET score: the sum of the factor weights."""
    return sum(f.get("weight") or 0 for f in factors)


def roni_required(stage: str | None) -> bool | None:
    """The RONI is completed for pupils in KS3 and KS4."""
    return None if stage is None else stage in RONI_KEY_STAGES
