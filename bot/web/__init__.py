"""The Mini App: pages inside Telegram, served by ``newsbot run`` (issue #31, under way)."""
