"""ANTT Dashboard domain: places, units, incidents, the DuckDB store. Never imports streamlit."""
