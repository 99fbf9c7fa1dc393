"""Roles as data: who may export and read the audit, single sign-on claims to an account."""

from __future__ import annotations

import pytest

from geo import accounts

from ..helpers_accounts import ROLES


@pytest.mark.parametrize("role", ROLES)
def test_exports_and_audit_need_commander(role):
    who = accounts.Account("x", "X", role)
    assert accounts.may(who, "review.export") == (role == "commander")
    assert accounts.may(who, "audit.read") == (role in ("commander", "admin"))


def test_single_sign_on_claims_map_to_a_role_and_communes_or_to_nothing():
    got = accounts.sso_account({"email": "cb@congan.vn", "name": "Cán bộ A",
                                "antt_role": "operator", "antt_communes": "10732, 10762"})
    assert (got.username, got.role, got.communes, got.via) == (
        "sso:cb@congan.vn", "operator", ("10732", "10762"), "sso")
    assert accounts.sso_account({"email": "x@y.vn"}) is None  # no role claim: no access
    assert accounts.sso_account({"email": "x@y.vn", "antt_role": "superuser"}) is None
    everywhere = accounts.sso_account({"sub": "42", "antt_role": "viewer"})
    assert everywhere.all_communes and everywhere.display_name == "42"
