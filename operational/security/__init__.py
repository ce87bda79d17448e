"""Shared security code: national-algorithm cryptography, keys and masking."""
