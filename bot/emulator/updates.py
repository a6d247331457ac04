"""The bot's update queue: what Telegram holds for the bot, getUpdates and webhooks."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from urllib.parse import urlsplit

from bot.emulator.errors import (
    ApiError,
    bad_request,
)
from bot.emulator.state import (
    DEFAULT_UPDATES,
    JSON,
    UPDATE_RETENTION_SECONDS,
    ReaderError,
    WorldState,
    _bool,
    _copy,
    _int,
    _json_param,
)


class UpdateQueue(WorldState):
    def _push(self, kind: str, payload: JSON) -> None:
        if kind not in self.allowed_updates:
            return
        # A snapshot: a later edit must not change what an earlier update said.
        update_id = next(self._update_ids)
        self.updates.append({"update_id": update_id, kind: _copy(payload)})
        self.queued_at[update_id] = self.clock()
        self.changed.set()

    def settle_queue(self) -> None:
        """What time does to the queue: updates older than 24 hours are dropped, as Telegram
        drops them; reaction counts whose delay has passed are released."""
        now = self.clock()
        kept = []
        for update in self.updates:
            queued = self.queued_at.get(update["update_id"], now)
            if now - queued < UPDATE_RETENTION_SECONDS:
                kept.append(update)
            else:
                self.queued_at.pop(update["update_id"], None)
                self.expired_updates += 1
        self.updates = kept
        self._release_reaction_counts(now)

    def _release_reaction_counts(self, now: float) -> None:
        """Overridden by the reactions layer."""

    def deliver_raw_update(self, update: JSON) -> int:
        """Queue an update exactly as given (an older Bot API server's shape, or a broken one),
        with a fresh ``update_id``; returns that id."""
        if not isinstance(update, dict) or len([k for k in update if k != "update_id"]) != 1:
            raise ReaderError("an update has exactly one field besides update_id")
        update_id = next(self._update_ids)
        self.updates.append({**_copy(update), "update_id": update_id})
        self.queued_at[update_id] = self.clock()
        self.changed.set()
        return update_id

    def take_updates(self, params: JSON) -> list[JSON] | None:
        """The non-waiting part of getUpdates; None means 'wait for more'."""
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        allowed = _json_param(params, "allowed_updates")
        if isinstance(allowed, list):
            self.allowed_updates = frozenset(allowed) if allowed else DEFAULT_UPDATES
        self.settle_queue()
        offset = _int(params.get("offset"), 0)
        limit = min(max(_int(params.get("limit"), 100), 1), 100)
        if offset < 0:
            self.updates = self.updates[offset:]
        elif offset > 0:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        if not self.updates:
            self.changed.clear()
            return None
        return self.updates[:limit]

    async def api_getUpdates(self, params: JSON) -> list[JSON]:
        self._poller += 1
        me = self._poller
        timeout = min(max(_int(params.get("timeout"), 0), 0), 50)
        deadline = time.monotonic() + timeout
        offset = self.clock_offset
        while True:
            batch = self.take_updates(params)
            if batch is not None:
                return batch
            remaining = deadline - time.monotonic()
            # advance_clock ends a long poll, so the bot reads the new time (Date) at once.
            if remaining <= 0 or self.clock_offset != offset or self.closing:
                return []
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), timeout=min(remaining, 0.25))
            if self._poller != me:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only "
                    "one bot instance is running",
                )

    def api_setWebhook(self, params: JSON) -> bool:
        url = str(params.get("url") or "")
        if not url:
            return self.api_deleteWebhook(params)
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if parts.port not in (None, 443, 80, 88, 8443):
            raise bad_request(
                "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
            )
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise bad_request("secret token contains unallowed characters")
        allowed = _json_param(params, "allowed_updates")
        if isinstance(allowed, list):
            self.allowed_updates = frozenset(allowed) if allowed else DEFAULT_UPDATES
        if _bool(params.get("drop_pending_updates")):
            self.updates.clear()
        connections = _int(params.get("max_connections"), 40)
        if not 1 <= connections <= 100:
            raise bad_request("bad webhook: max_connections must be between 1 and 100")
        self.webhook = {"url": url, "secret_token": secret, "max_connections": connections}
        self.webhook_last_error = None
        self.changed.set()
        return True

    def route_webhook(self, public_base: str, *local_bases: str) -> None:
        """Play the reverse proxy: deliveries to ``public_base`` (an https address, as
        setWebhook demands) go to ``local_base`` (where the bot listens, plain HTTP on
        loopback), taking turns when there are several (a failed delivery is retried at
        the next). A public address with no route cannot be reached, as a wrong DNS name."""
        self.webhook_routes[public_base.rstrip("/")] = [b.rstrip("/") for b in local_bases]

    def webhook_delivery_url(self) -> str | None:
        if self.webhook is None:
            return None
        url = str(self.webhook["url"])
        for public, locals_ in self.webhook_routes.items():
            if locals_ and (url == public or url.startswith(public + "/")):
                self._webhook_turn += 1
                return locals_[self._webhook_turn % len(locals_)] + url[len(public) :]
        return None

    def api_deleteWebhook(self, params: JSON) -> bool:
        self.webhook = None
        if _bool(params.get("drop_pending_updates")):
            self.updates.clear()
        return True

    def api_getWebhookInfo(self, _params: JSON) -> JSON:
        info: JSON = {
            "url": self.webhook["url"] if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.updates),
            "allowed_updates": sorted(self.allowed_updates),
        }
        if self.webhook_last_error:
            info["last_error_date"], info["last_error_message"] = self.webhook_last_error
        return info
