"""The bundled default model (see MODEL_CARD.md)."""
