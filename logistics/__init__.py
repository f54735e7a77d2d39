"""Program logistics over the term ledger: calendar feeds, reminders and their delivery,
materials and stock, van manifests and outing sheets."""
