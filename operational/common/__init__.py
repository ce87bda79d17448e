"""Shared pieces of the operational service: errors, request ids."""
