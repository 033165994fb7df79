"""The event-driven engine: domain events (the outbox), handlers, deliveries, channels, worker."""
