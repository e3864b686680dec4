"""Every table the models declare, in `SQLModel.metadata`: what the migrations are compared
with (`migrations/env.py`, the migration tests).

The generic tables are in `slaengine.persistence.tables`; each kind keeps its own in a module
`tables` of its package (`slaengine/kinds/<kind>/tables.py`), and so does the CRM intake
(`slaengine/crm/tables.py`). Those are found by walking the packages, not by naming the
kinds: a new kind's tables are loaded without a change here, and the persistence layer still
imports no kind (the walk imports them by name, at run time, only when asked).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

from sqlalchemy import MetaData
from sqlmodel import SQLModel

import slaengine.persistence.tables  # noqa: F401  (registers the generic tables)

#: the package whose modules named `tables` hold the kinds' tables
KINDS = "slaengine.kinds"
#: the packages walked for tables: the kinds', and the CRM intake's
PACKAGES = (KINDS, "slaengine.crm")


def _fail(name: str) -> None:
    """A package of the walk that does not import: fail, rather than leave its tables out
    (`walk_packages` skips it silently). Called while its error is being handled."""
    raise ImportError(f"cannot import {name}, so cannot load its tables") from sys.exc_info()[1]


def load_all_tables(packages: tuple[str, ...] = PACKAGES) -> MetaData:
    """Import the generic tables and every module under `packages` whose name ends in
    `.tables`; returns `SQLModel.metadata`, which then holds them all."""
    for package in packages:
        root = importlib.import_module(package)
        for found in pkgutil.walk_packages(root.__path__, prefix=f"{package}.", onerror=_fail):
            if found.name.endswith(".tables"):
                importlib.import_module(found.name)
    return SQLModel.metadata
