"""The term ledger: the published schedule and everything that happens to it during the term."""
