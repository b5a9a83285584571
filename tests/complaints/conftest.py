from bot.store.testing import database_url, isolated_var_dir  # noqa: F401  (fixtures)
