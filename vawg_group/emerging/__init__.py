"""Emerging issues between meetings: notes published on their own, who read and answered them,
and the signals from casework that tell staff a theme is rising (docs/emerging-issues.md)."""
