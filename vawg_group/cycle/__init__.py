"""The meeting cycle: a template of milestones around each meeting, planned per occurrence,
completed by the events that prove them and run by the worker."""
