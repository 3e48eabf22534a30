"""Pure booking rules: hospitals, schedules, capacity and the errors they raise. No I/O."""
