"""The self-service portal: people make and follow their data-subject requests (issue #6)."""
