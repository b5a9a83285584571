"""The seeded synthetic set, written to a real store and analysed once per session; the dense model loads once.

Per-test databases (``database_url``: SQLite and PostgreSQL) hold subsets of the same seeded complaints, so the
encoder's per-text memo already has their vectors and nothing is encoded twice.
"""
from __future__ import annotations

import pytest

from bot.store.testing import database_url, isolated_var_dir  # noqa: F401  (fixtures)


@pytest.fixture(scope="session")
def encoder():
    from bot.analytics.features import default_encoder

    encoder = default_encoder()
    encoder.model  # load now, once
    return encoder


@pytest.fixture(scope="session")
def synthetic_complaints():
    from bot.analytics import synthetic

    return synthetic.generate()


@pytest.fixture(scope="session")
def seeded(tmp_path_factory, encoder, synthetic_complaints):
    """(report, ticket → known group, ticket → synthetic complaint) for the whole seeded set."""
    from bot.analytics import analyse, synthetic
    from bot.store import migrate, session_scope
    from bot.store.database import dispose

    folder = tmp_path_factory.mktemp("seeded")
    url = f"sqlite:///{folder / 'synthetic.db'}"
    with pytest.MonkeyPatch.context() as patch:
        # Its own key and var directory: the per-test ones change with every test.
        patch.setenv("BOT_VAR_DIR", str(folder / "var"))
        patch.delenv("BOT_FERNET_KEY", raising=False)
        patch.delenv("BOT_DATABASE_URL", raising=False)
        migrate(url)
        groups = synthetic.write(synthetic_complaints, url)
        with session_scope(url) as session:
            report = analyse(session, encoder=encoder)
        dispose(url)
    return report, groups, dict(zip(groups, synthetic_complaints))
