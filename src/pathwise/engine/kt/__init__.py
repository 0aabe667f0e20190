"""Knowledge tracing: models that estimate mastery and predict the next response."""
