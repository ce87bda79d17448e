"""The audit log: an append-only, SM3-chained record of logins, permission changes and personal-data access."""
