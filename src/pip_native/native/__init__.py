"""Native backends: one adapter per system package manager."""
