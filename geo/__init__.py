"""ANTT Dashboard's domain: everything but the screens (never imports streamlit). See the README's
"What is here"."""

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"  # the bundled demo and outline
