"""All SQL lives here, one module per area; functions take the session and never commit."""
