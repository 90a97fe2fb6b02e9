"""What every command gets as `ctx.obj`: the config path, the loaded config, the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from monitor.config import Config, load_config

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
