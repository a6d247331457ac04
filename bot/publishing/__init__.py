"""Publishing: turning an imported article into a schedule, and the schedule into posts."""
