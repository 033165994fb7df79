"""What every domain shares: the database base, time, access policy, audit and page helpers."""
