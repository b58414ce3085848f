"""One library function per CLI command, each taking :class:`~scorecard.settings.Settings`
first (as Alembic's ``command`` module takes its ``Config``): the CLI only parses arguments,
calls one of these and prints the result, so code and the command line take the same path.

Only the CLI, the benchmarks and the tests import this package; the names below are the flat
surface they use.
"""

from scorecard.commands.audit import log as audit_log
from scorecard.commands.audit import verify as audit_verify
from scorecard.commands.card import keys_new, render, sign, verify
from scorecard.commands.corrections import withdraw
from scorecard.commands.db import init
from scorecard.commands.demo import DEMO_MODEL, demo
from scorecard.commands.evidence import ingest
from scorecard.commands.evidence import listing as evidence_listing
from scorecard.commands.frameworks import validate as validate_packs
from scorecard.commands.models import add as models_add
from scorecard.commands.models import list_models as models_list
from scorecard.commands.policy import require_signed as policy_require_signed
from scorecard.commands.policy import show as policy_show
from scorecard.commands.reviews import (
    attest,
    decide,
    judge,
    judge_file,
    judge_post_equals_pre,
    load_signer,
    mitigate,
)
from scorecard.commands.roster import add as roster_add
from scorecard.commands.roster import listing as roster_list
from scorecard.commands.roster import revoke as roster_revoke
from scorecard.commands.scorecards import diff, history, score_model, show
from scorecard.commands.scoring import score_files

__all__ = [
    "DEMO_MODEL",
    "attest",
    "audit_log",
    "audit_verify",
    "decide",
    "demo",
    "diff",
    "evidence_listing",
    "history",
    "ingest",
    "init",
    "judge",
    "judge_file",
    "judge_post_equals_pre",
    "keys_new",
    "load_signer",
    "mitigate",
    "models_add",
    "models_list",
    "policy_require_signed",
    "policy_show",
    "render",
    "roster_add",
    "roster_list",
    "roster_revoke",
    "score_files",
    "score_model",
    "show",
    "sign",
    "validate_packs",
    "verify",
    "withdraw",
]
