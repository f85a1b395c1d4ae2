// Experiments module: see README.md for its role.
