"""The tracker's live scenario: a component whose sliders, cards and chart run in the browser."""
