"""What every command gets as `ctx.obj`: the config path, the loaded config, the store."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from monitor.config import Config, load_config
from monitor.errors import ConfigError

if TYPE_CHECKING:
    from state.store import Store


@dataclass
class AppContext:
    """Lazily loads the config and opens the store for a CLI command."""

    config_path: str
    _config: Config | None = field(default=None, repr=False)

    @property
    def config(self) -> Config:
        """The parsed config (ConfigError when missing or invalid)."""
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config

    def config_or_default(self) -> Config:
        """The config if the file exists, else the defaults (database in the current folder)."""
        if Path(self.config_path).exists():
            return self.config
        return Config()

    def store(self, *, migrate: bool = True) -> Store:
        """Open the configured database (created and migrated if needed)."""
        from state.store import open_store

        return open_store(self.config.database.path, migrate=migrate)

    def require_private_database(self, *, ui: bool) -> None:
        """Before `serve` or `run`: create/migrate the database (owner-only, an older one
        tightened), then refuse (exit 2) if it is still readable by other users while a secret
        this process signs with would be read from it, not from the environment."""
        from state.base import SIDE_FILES, group_or_other_access

        config = self.config
        self.store().close()
        path = config.database.path
        files = (path, *(path.with_name(path.name + side) for side in SIDE_FILES))
        if not any(group_or_other_access(f) for f in files):
            return
        wanted = [config.notifications.secret_env] + ([config.web.secret_env] if ui else [])
        missing = [name for name in wanted if not os.environ.get(name)]
        if not missing:
            return
        mode = path.stat().st_mode & 0o777
        raise ConfigError(
            f"{path} is readable by other users (mode {mode:04o}) and would hold the key"
            f" that {'signs review UI sessions and ' if ui else ''}signs unsubscribe links:"
            f" make it owner-only (`chmod 600 {path}` as its owner) or set"
            f" {' and '.join(missing)} in the environment"
        )
