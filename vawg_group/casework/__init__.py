"""MP casework: offices submit their constituents' VAWG casework; OPCC staff triage it."""
