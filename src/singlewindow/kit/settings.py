"""One typed settings object, read from ``SW_`` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Node settings. Every field maps to ``SW_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="SW_", env_file=None, extra="ignore")

    data_dir: Path = Field(default=Path("./var"), description="database file, attachments, exports")
    database_url: str | None = Field(default=None, description="default: SQLite in data_dir")
    exchange: Literal["embedded", "nats"] = "embedded"
    nats_url: str = "nats://127.0.0.1:4222"
    nats_stream: str = "SW"
    node_code: str = "GD"
    node_role: Literal["province", "city"] = "province"
    node_name: str = "广东国际贸易单一窗口"
    host: str = "127.0.0.1"
    port: int = 8000
    max_body_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    max_lines: int = Field(default=50, ge=1)
    # Transport (docs/transport.md): is a goods declaration's B/L checked against the
    # manifest of its journey? off | warn (a warning on the receipt and timeline) | strict (422)
    manifest_check: Literal["off", "warn", "strict"] = "warn"
    # Exchange behaviour.
    max_attempts: int = Field(default=8, ge=1, description="deliveries before a dead letter")
    retry_base_seconds: float = Field(default=1.0, gt=0)
    retry_max_seconds: float = Field(default=300.0, gt=0)
    resend_after_seconds: float = Field(
        default=60.0, gt=0, description="re-publish a message not confirmed by its channel after"
    )
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    long_poll_max_seconds: float = Field(default=30.0, gt=0)
    webhook_allowed_hosts: list[str] = Field(
        default_factory=list,
        description="hosts a webhook URL may name: host names, *.example.cn wildcards, IP "
        "addresses and CIDR networks; empty: any host (development only; set it in production)",
    )
    # Service status (/api/v1/status): when a channel counts as degraded or down.
    status_degraded_error_rate: float = Field(default=0.1, ge=0, le=1)
    status_down_error_rate: float = Field(default=0.5, ge=0, le=1)
    status_min_attempts: int = Field(
        default=5, ge=1, description="delivery attempts in the last hour before the rate counts"
    )
    status_degraded_backlog_seconds: float = Field(
        default=300.0, gt=0, description="oldest unacknowledged message older than this: degraded"
    )
    status_down_backlog_seconds: float = Field(
        default=1800.0, gt=0, description="oldest unacknowledged message older than this: down"
    )
    # --- joint inspection (issue 5; docs/inspection.md) ---
    inspection_due_hours: int = Field(
        default=24, ge=1, le=720, description="an inspection order's time limit by default"
    )
    inspection_escalation_seconds: float = Field(
        default=60.0, gt=0, description="how often overdue inspection orders are looked for"
    )
    # --- end joint inspection ---
    # --- subscriptions (issue 5) ---
    event_source: str | None = Field(
        default=None,
        description="CloudEvents source of this node; default urn:singlewindow:<node_code>",
    )
    subscription_poll_seconds: float = Field(
        default=0.5, gt=0, description="how often the event projector and webhook sender look"
    )
    subscription_batch: int = Field(
        default=500, ge=1, le=10000, description="message-log entries projected per transaction"
    )
    subscription_heartbeat_seconds: float = Field(default=15.0, gt=0, le=300)
    subscription_stream_seconds: float = Field(
        default=300.0, gt=0, description="an SSE stream closes after this; clients reconnect"
    )
    subscriptions_per_party: int = Field(default=20, ge=1)
    subscription_retention_days: int = Field(
        default=30, ge=1, description="events older than this are pruned (the replay window)"
    )
    # --- end subscriptions ---
    # --- time release study (issue 5) ---
    time_release_interval_seconds: float = Field(
        default=5.0, gt=0, description="Time Release Study projector: idle wait between passes"
    )
    time_release_overlap_seconds: float = Field(
        default=120.0,
        ge=0,
        description="projector re-reads this far behind its watermark (late-committed events)",
    )
    time_release_sweep_hours: float = Field(
        default=24.0, gt=0, description="full reconciliation of every declaration, this often"
    )
    time_release_max_rows: int = Field(
        default=1_000_000, ge=1, description="rows one analytics request may aggregate"
    )
    # --- end time release study ---
    # --- portal (issue 6; docs/portal.md): one theme, a city platform's own face ---
    brand_name: str | None = Field(
        default=None, description="the portal's name in Chinese; default node_name"
    )
    brand_name_en: str | None = Field(default=None, description="the portal's name in English")
    brand_logo: Path | None = Field(
        default=None, description="an SVG or PNG logo file shown in the header"
    )
    brand_primary: str = Field(
        default="#0b4f8a", pattern=r"^#[0-9a-fA-F]{6}$", description="header and buttons"
    )
    brand_accent: str = Field(
        default="#c8102e", pattern=r"^#[0-9a-fA-F]{6}$", description="highlights and the logo mark"
    )
    brand_cities: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="virtual city platforms on this node: city code (GB/T 2260, e.g. 440300) → "
        "{name, name_en, logo, primary, accent}; their users see that face, same layout",
    )
    # --- end portal ---
    relay_batch: int = Field(default=200, ge=1)
    sqlite_cache_kib: int = Field(
        default=256,
        ge=64,
        le=1024 * 1024,
        description="SQLite page cache of each pooled connection, KiB (SQLite only)",
    )
    settle_heap: bool = Field(
        default=False,
        description="freeze the start-up heap out of garbage collection (runtime.settle_heap); "
        "`singlewindow run` turns it on",
    )
    # In-process workers started by ``singlewindow run``.
    run_workers: bool = True
    run_simulator: bool = True
    sim_rejection_rate: float = Field(default=0.1, ge=0, le=1)
    sim_inspection_rate: float = Field(default=0.2, ge=0, le=1)
    sim_latency_seconds: float = Field(default=0.0, ge=0)
    sim_seed: int | None = None
    sim_skip_agencies: list[str] = Field(
        default_factory=lambda: ["CUS5200"],
        description="agencies the simulator leaves to their officers (who decide in the portal)",
    )
    sim_mode: Literal["decide", "ack"] = Field(
        default="decide", description="ack: only acknowledge (used by the ingest benchmark)"
    )
    # --- identity and security (issue 3) ---
    secret_key: SecretStr | None = Field(
        default=None,
        description="node secret (encrypts TOTP seeds, signs CSRF tokens); env or a secret file "
        "(SW_SECRET_KEY_FILE); generated into data_dir/secret.key on first run if unset",
    )
    secret_key_file: Path | None = None
    issuer_url: str | None = Field(
        default=None,
        description="OIDC issuer (the hub's public base URL); default http://host:port",
    )
    oidc_audience: str | None = Field(
        default=None,
        description="this node's resource id in tokens; default urn:singlewindow:node:<node_code>",
    )
    oidc_jwks_url: str | None = Field(
        default=None, description="a city node: the hub's JWKS; default <issuer_url>/oauth/jwks"
    )
    oidc_leeway_seconds: int = Field(default=30, ge=0, le=300)
    access_token_seconds: int = Field(default=600, ge=30)
    refresh_token_seconds: int = Field(default=8 * 3600, ge=60)
    session_seconds: int = Field(default=8 * 3600, ge=60, description="portal session lifetime")
    session_idle_seconds: int = Field(default=30 * 60, ge=60)
    cookie_secure: bool = True
    login_max_failures: int = Field(default=5, ge=1, description="failed logins before lockout")
    login_lockout_seconds: int = Field(default=15 * 60, ge=1)
    login_rate_per_minute: int = Field(
        default=20, ge=1, description="login attempts per minute per client address"
    )
    signature_required: list[str] = Field(
        default_factory=list, description="document types that must carry a signature"
    )
    signing_key_file: Path | None = Field(
        default=None, description="platform receipt-signing key (PEM); default data_dir/signing"
    )
    signing_cert_file: Path | None = Field(default=None, description="its certificate (PEM)")
    signature_window_seconds: int = Field(
        default=300, ge=1, description="signed time must be this close to now; nonces kept as long"
    )
    cors_origins: list[str] = Field(default_factory=list, description="CORS allow-list")
    audit_retention_days: int = Field(default=180, ge=1)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'singlewindow.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
