"""Developer tools: run the example notebooks."""
