"""Quality flags: rules that run over the store in DuckDB SQL and store what they find.

A flag never hides or changes a value: it is a row of ``quality_flag`` beside the value
(rule, severity, the value's key, a message a statistician can read, and the numbers behind it
as JSON in ``details``). The rules and their thresholds are data
(``data/quality/rules.csv``, documented in ``docs/quality.md``). One module per rule family:

* :mod:`~salamat.store.quality.table`: the rule table, the flag columns, merging and reading flags;
* :mod:`~salamat.store.quality.bounds`: plausible bounds per indicator;
* :mod:`~salamat.store.quality.series`: series rules (yoy_outlier, source_break,
  source_disagreement, peer_outlier, consistency_over_time, related_indicators, revision);
* :mod:`~salamat.store.quality.deaths`: death-record rules (garbage codes, unknown age or sex);
* :mod:`~salamat.store.quality.carried`: flags of inputs carried to computed values.

Completeness of death registration is :mod:`salamat.store.completeness`.
"""

from __future__ import annotations

from salamat.store.quality.bounds import bounds, upsert_user_bounds
from salamat.store.quality.carried import (
    INPUT_COLUMNS,
    input_flags,
    refresh_input_flags,
    store_input_flags,
)
from salamat.store.quality.deaths import DEATH_RULES, recompute_death_flags
from salamat.store.quality.series import OBSERVATION_RULES, recompute_flags, record_revisions
from salamat.store.quality.table import (
    FLAG_COLUMNS,
    RuleSet,
    flag_changes,
    flags_for,
    flags_frame,
    merge_flags,
    rule_set,
    rules_digest,
)

__all__ = [
    "DEATH_RULES",
    "FLAG_COLUMNS",
    "INPUT_COLUMNS",
    "OBSERVATION_RULES",
    "RuleSet",
    "bounds",
    "flag_changes",
    "flags_for",
    "flags_frame",
    "input_flags",
    "merge_flags",
    "recompute_death_flags",
    "recompute_flags",
    "record_revisions",
    "refresh_input_flags",
    "rule_set",
    "rules_digest",
    "store_input_flags",
    "upsert_user_bounds",
]
