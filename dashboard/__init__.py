"""ANTT Dashboard Streamlit UI: pages render, ``geo`` decides."""
