"""One sync run: diff desired against live, plan, apply, record."""
