"""Pure feature functions: tables in, team-month frames out. No I/O here."""
