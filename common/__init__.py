"""Small helpers below both apps (`articles` and `columns`): no models, no app imports."""
