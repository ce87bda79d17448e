"""Staff and system accounts: sign-in, sessions, roles with function and institution scope, API keys."""
