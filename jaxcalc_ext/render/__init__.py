"""Renderers: result data -> matplotlib figures, images, HTML. Imported only when drawing."""
