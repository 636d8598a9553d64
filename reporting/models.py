"""Safety commitments (安全承诺): see README."""
