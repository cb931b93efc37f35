"""Static files of the analyst page (/analys); shipped as package data."""
