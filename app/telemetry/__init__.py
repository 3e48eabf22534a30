"""Telemetry: structured logs, Prometheus metrics and the observed booking service."""
