"""What keeps the bot running: start-up, intake (polling or webhook), the schedule,
the publishing lease, the single-process lock and storage outages."""
