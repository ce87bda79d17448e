"""Supervision domain: indicator reads today; alerts, feedback tickets and notices later."""
