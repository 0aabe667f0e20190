"""Numbers behind student agency: goal forecasts."""
