"""Weekly summaries: when they are due, what they say, how they look, where they go."""
