"""The layers of checks that ``cartel-directive validate`` runs."""
