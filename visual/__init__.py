"""Pictures drawn from our own data (maps, charts) and terminal progress; plain data in, no domain imports."""
