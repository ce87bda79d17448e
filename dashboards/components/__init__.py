"""Reusable pieces of the screens: layout and canvas, KPI cards, Plotly charts."""
