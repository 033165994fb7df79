"""Real servers on loopback that speak the protocols of the services we depend on."""
