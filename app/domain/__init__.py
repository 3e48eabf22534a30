"""Pure booking rules and values: hospitals, schedules, capacity, policies, errors. No I/O:
the clock (`now`) and configuration (`Hospital` values) arrive as arguments."""
