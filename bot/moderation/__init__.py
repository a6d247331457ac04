"""Moderation: roles, hiding and banning, automatic rules."""
