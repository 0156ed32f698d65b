"""The Gradio chat app: `python -m ui.app`."""
