"""Shared by the account tests of several levels: the roles."""

from __future__ import annotations

ROLES = ("viewer", "field", "operator", "commander", "admin")
