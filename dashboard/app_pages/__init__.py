"""Page scripts run by st.navigation; each only wires widgets to the pure layers."""
