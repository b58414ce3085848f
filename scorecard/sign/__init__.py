"""Signing system cards (PAdES with pyHanko) and validating their signatures."""
