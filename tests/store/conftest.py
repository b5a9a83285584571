from bot.store.testing import database_url, isolated_var_dir, unmigrated_database_url  # noqa: F401  (fixtures)
