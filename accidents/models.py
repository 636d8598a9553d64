"""Accident cases (事故案例): see README."""
